"""Gates over the whole registry: docs/checks.md is current, and every check
has a documented passing and failing example and its own test file
(kube-linter's "every check has a test")."""
from pathlib import Path

import pytest

from kustguard.checks import all_checks
from kustguard.checks._docs import COMMAND, parse_doc, render
from kustguard.findings import Severity

REPO = Path(__file__).resolve().parents[2]
CHECKS = all_checks()


def module_name(info) -> str:
    return info.module.__name__.rsplit(".", 1)[-1]


def test_docs_checks_md_is_current():
    committed = (REPO / "docs" / "checks.md").read_text(encoding="utf-8")
    assert committed == render(), f"docs/checks.md is stale: run `{COMMAND}`"


@pytest.mark.parametrize("info", CHECKS, ids=[c.id for c in CHECKS])
def test_check_documents_a_passing_and_a_failing_example(info):
    doc = parse_doc(info.doc)
    assert doc.summary, f"{module_name(info)}: the docstring needs a one-line summary"
    missing = [name for name in ("Passing", "Failing") if name not in doc.examples]
    assert not missing, f"{module_name(info)}: docstring lacks a non-empty {' and '.join(missing)}:: block"


@pytest.mark.parametrize("info", CHECKS, ids=[c.id for c in CHECKS])
def test_check_has_its_own_test_file(info):
    """tests/checks/test_<module>.py, or test_<module>.py in a feature's own test
    folder (tests/netpol/, ...); either way it must run the check by its id."""
    name = f"test_{module_name(info)}.py"
    candidates = [REPO / "tests" / "checks" / name, *sorted((REPO / "tests").glob(f"*/{name}"))]
    found = [p for p in candidates if p.is_file()]
    assert found, f"{info.id}: no tests/checks/{name}"
    quoted = (f'"{info.id}"', f"'{info.id}'")
    assert any(q in p.read_text(encoding="utf-8") for p in found for q in quoted), \
        f"{info.id}: {found[0].relative_to(REPO)} never names the check id"


@pytest.mark.parametrize("info", CHECKS, ids=[c.id for c in CHECKS])
def test_check_declares_its_metadata(info):
    assert isinstance(info.severity, Severity)
    assert info.scope in ("overlay", "repo")
    assert info.family and info.id == info.id.strip().lower()
    assert callable(getattr(info.module, "check", None))


def test_parse_doc_splits_summary_prose_and_examples():
    doc = parse_doc('''Summary line.

    Some prose.

    Passing::

        a: 1

    Failing::

        a: 2
          nested: true

    Trailing prose.
    ''')
    assert doc.summary == "Summary line."
    assert doc.body == "Some prose.\n\nTrailing prose."
    assert doc.examples == {"Passing": "a: 1", "Failing": "a: 2\n  nested: true"}


def test_parse_doc_without_examples():
    doc = parse_doc("Only a summary.")
    assert (doc.summary, doc.body, doc.examples) == ("Only a summary.", "", {})
