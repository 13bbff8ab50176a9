"""Generate docs/checks.md from the check registry.

    python -m kustguard.checks._docs > docs/checks.md

Every registered check gets its id, family, default severity, scope, summary,
the prose of its docstring, its passing and failing examples, and the ids of
its kube-linter and Checkov equivalents (whose ignore annotations are
honoured). The output depends on the registry only, so a test can compare it
with the committed file. Private module: the registry skips names starting
with ``_``.
"""
from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass

from kustguard.checks import CheckInfo, all_checks

EXAMPLE_HEADINGS = ("Passing", "Failing")
COMMAND = "python -m kustguard.checks._docs > docs/checks.md"


@dataclass(frozen=True)
class CheckDoc:
    summary: str
    body: str
    examples: dict[str, str]


def parse_doc(doc: str) -> CheckDoc:
    """Split a check docstring into summary, prose and ``Name::`` example blocks."""
    lines = textwrap.dedent(doc).strip("\n").splitlines()
    # The first line of a docstring is not indented like the rest: dedent the rest.
    head = lines[0].strip() if lines else ""
    rest = textwrap.dedent("\n".join(lines[1:])).splitlines()
    body: list[str] = []
    examples: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in rest:
        stripped = line.strip()
        if stripped.endswith("::") and stripped[:-2] in EXAMPLE_HEADINGS and not line[:1].isspace():
            current = examples.setdefault(stripped[:-2], [])
            continue
        if current is not None:
            if stripped and not line[:1].isspace():
                current = None  # prose after an example block
            else:
                current.append(line)
                continue
        body.append(line)
    blocks = {name: textwrap.dedent("\n".join(text)).strip("\n") for name, text in examples.items()}
    return CheckDoc(head, "\n".join(body).strip("\n"), {k: v for k, v in blocks.items() if v.strip()})


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _section(info: CheckInfo) -> list[str]:
    doc = parse_doc(info.doc)
    out = [f"## `{info.id}`", ""]
    out.append(f"**Family:** {info.family} · **Default severity:** {info.severity} · "
               f"**Scope:** {info.scope} · **Module:** `{info.module.__name__.rsplit('.', 1)[-1]}`")
    peers = []
    if info.kube_linter:
        peers.append("**kube-linter:** " + ", ".join(f"`{p}`" for p in info.kube_linter))
    if info.checkov:
        peers.append("**Checkov:** " + ", ".join(f"`{p}`" for p in info.checkov))
    out += ["", " · ".join(peers) if peers else "No kube-linter or Checkov equivalent.", ""]
    out.append(doc.summary)
    if doc.body:
        out += ["", doc.body]
    for name in EXAMPLE_HEADINGS:
        if name in doc.examples:
            out += ["", f"{name}:", "", "```yaml", doc.examples[name], "```"]
    out.append("")
    return out


def render(checks: tuple[CheckInfo, ...] | None = None) -> str:
    checks = all_checks() if checks is None else checks
    out = [
        "# Checks",
        "",
        f"<!-- Generated from the check registry by `{COMMAND}`; do not edit by hand. -->",
        "",
        f"{len(checks)} checks. Each runs on every rendered overlay (scope `overlay`) or once on "
        "the repository's files (scope `repo`). An object skips a check with the annotation "
        "`ignore-check.kustguard.io/<id>: \"<reason>\"` (the reason is required); the "
        "kube-linter and Checkov annotations of the equivalent checks listed below are honoured "
        "too. Severities can be changed per check in `[tool.kustguard]`.",
        "",
        "A field of the wrong type (a mapping where a list belongs, say) is a `schema` finding "
        "at its file and line; every other check treats that part as absent and goes on. If a "
        "check itself fails on an object (a defect in kustguard), that becomes one "
        "`internal-error` finding naming the check, the object and its file and line; "
        "everything else is still checked, and the run exits 2.",
        "",
        "| Check | Family | Severity | Summary |",
        "| --- | --- | --- | --- |",
    ]
    for info in checks:
        summary = parse_doc(info.doc).summary or info.id
        out.append(f"| [`{info.id}`](#{info.id}) | {info.family} | {info.severity} | {_cell(summary)} |")
    out.append("")
    for info in checks:
        out += _section(info)
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
