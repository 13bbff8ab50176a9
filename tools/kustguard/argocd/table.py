"""Plain-text tables for the ``kustguard argocd`` commands."""
from __future__ import annotations

from collections.abc import Sequence

from kustguard.argocd.diff import ResourceDiff
from kustguard.argocd.status import AppStatus, ResourceProblem

STATUS_HEADERS = ("NAME", "PROJECT", "SYNC", "HEALTH", "REVISION", "LAST SYNC", "OPERATION")


def render(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns, two spaces apart, no trailing blanks."""
    table = [list(headers)] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
             for row in table]
    return "\n".join(lines)


def short_revision(revision: str) -> str:
    is_sha = len(revision) == 40 and all(c in "0123456789abcdef" for c in revision)
    return revision[:7] if is_sha else revision


def problems_block(name: str, problems: Sequence[ResourceProblem]) -> str:
    if not problems:
        return ""
    lines = [f"Failing resources of {name}:"]
    lines += [f"  {p.describe()}" for p in problems]
    return "\n".join(lines)


def status_table(statuses: Sequence[AppStatus]) -> str:
    rows = [(s.name, s.project, s.sync, s.health, short_revision(s.revision) or "-",
             s.last_sync or "-", s.phase or "-") for s in statuses]
    blocks = [render(STATUS_HEADERS, rows)]
    for status in statuses:
        if status.message and not status.ok:
            blocks.append(f"{status.name}: {status.message}")
        block = problems_block(status.name, status.problems)
        if block:
            blocks.append(block)
    return "\n".join(blocks)


def diff_table(name: str, diffs: Sequence[ResourceDiff]) -> str:
    if not diffs:
        return f"{name}: live state matches the target"
    summary = render(("RESOURCE", "CHANGE"), [(d.ref, d.change) for d in diffs])
    return "\n".join([summary, ""] + [d.text.rstrip("\n") for d in diffs if d.text])
