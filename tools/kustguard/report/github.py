"""GitHub Actions workflow commands: one annotation per finding.

``::error file=<path>,line=<n>,title=<title>::<message>`` (``warning`` and
``notice`` for the lower severities) shows each finding on the pull
request's changed lines. Values are escaped as the Actions toolkit does:
in the message ``%``, CR and LF; in the properties also ``:`` and ``,``.
GitHub shows at most a handful of annotations of each level per step; the
full list stays in the log.
"""
from __future__ import annotations

from kustguard.checks import CheckInfo
from kustguard.findings import Finding, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    props = []
    if f.file:
        props.append(f"file={escape_property(f.file)}")
        if f.line > 0:
            props.append(f"line={f.line}")
    title = f"kustguard {f.check_id}" + (f" ({f.overlay})" if f.overlay else "")
    props.append(f"title={escape_property(title)}")
    message = f"{f.object}: {f.message}" if f.object else f.message
    if f.hint:
        message += f"\nfix: {f.hint}"
    return f"::{COMMANDS[f.severity]} {','.join(props)}::{escape_data(message)}"


def render(findings: list[Finding], *, checks: tuple[CheckInfo, ...], overlays: list[str],
           skipped: dict[str, str] | None = None) -> str:
    lines = [annotation(f) for f in sorted(findings, key=Finding.sort_key)]
    return "".join(line + "\n" for line in lines)
