"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure).

One ``<testsuite>`` per overlay (named by it; the repository-wide checks,
if any are registered, get one named ``repository``), one ``<testcase>`` per
check that runs there, and one ``<failure>`` per finding of that check in
that overlay. Counts follow JUnit's meaning: ``tests`` is the number of
test cases (checks), ``failures`` the number of failing test cases, not of
findings (a CI computes passed = tests - failures); the number of findings
is in each suite's ``findings`` property. The root totals both counts. A
check that did not run (disabled, not selected, nothing to run on) is a test
case with ``<skipped>`` and the reason, never a passed one.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from kustguard.checks import CheckInfo, check_by_id
from kustguard.findings import Finding

REPOSITORY_SUITE = "repository"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _failure(case: ET.Element, f: Finding) -> None:
    head = f"{f.object}: {f.message}" if f.object else f.message
    failure = ET.SubElement(case, "failure", message=_clean(head), type=str(f.severity))
    lines = [f"{f.severity}: {head}"]
    if f.location:
        lines.append(f"at {f.location}" + (f" ({f.field})" if f.field else ""))
    elif f.field:
        lines.append(f"field {f.field}")
    if f.hint:
        lines.append(f"fix: {f.hint}")
    failure.text = _clean("\n".join(lines))


def render(findings: list[Finding], *, checks: tuple[CheckInfo, ...], overlays: list[str],
           skipped: dict[str, str] | None = None) -> str:
    skipped = skipped or {}
    skipped_scope = {cid: (info.scope if info else "overlay")
                     for cid, info in ((c, check_by_id(c)) for c in skipped)}
    by_suite: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for f in sorted(findings, key=Finding.sort_key):
        by_suite[f.overlay or REPOSITORY_SUITE][f.check_id].append(f)

    suites: list[tuple[str, list[str]]] = []
    overlay_checks = [c.id for c in checks if c.scope == "overlay"]
    repo_checks = [c.id for c in checks if c.scope == "repo"]
    for name in overlays:
        suites.append((name, overlay_checks))
    if repo_checks or REPOSITORY_SUITE in by_suite or "repo" in skipped_scope.values():
        suites.append((REPOSITORY_SUITE, repo_checks))
    for name in by_suite:  # findings of an overlay the caller did not list
        if name not in {s for s, _ in suites}:
            suites.append((name, overlay_checks))

    root = ET.Element("testsuites", name="kustguard")
    total_tests = total_failures = total_findings = total_skipped = 0
    for name, check_ids in suites:
        found = by_suite.get(name, {})
        ids = list(check_ids) + [c for c in found if c not in check_ids]
        scope = "repo" if name == REPOSITORY_SUITE else "overlay"
        skipped_here = sorted(c for c, s in skipped_scope.items() if s == scope and c not in ids)
        suite = ET.SubElement(root, "testsuite", name=_clean(name))
        props = ET.SubElement(suite, "properties")
        n_findings = sum(len(v) for v in found.values())
        ET.SubElement(props, "property", name="findings", value=str(n_findings))
        failing = 0
        for check_id in ids:
            case = ET.SubElement(suite, "testcase", name=check_id,
                                 classname=_clean(f"kustguard.{name}"))
            for f in found.get(check_id, []):
                _failure(case, f)
            failing += bool(found.get(check_id))
        for check_id in skipped_here:
            case = ET.SubElement(suite, "testcase", name=check_id,
                                 classname=_clean(f"kustguard.{name}"))
            ET.SubElement(case, "skipped", message=_clean(skipped[check_id]))
        suite.set("tests", str(len(ids) + len(skipped_here)))
        suite.set("failures", str(failing))
        suite.set("errors", "0")
        suite.set("skipped", str(len(skipped_here)))
        total_skipped += len(skipped_here)
        total_tests += len(ids) + len(skipped_here)
        total_failures += failing
        total_findings += n_findings
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    root.set("skipped", str(total_skipped))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
