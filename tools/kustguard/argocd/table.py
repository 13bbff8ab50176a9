"""Plain-text tables for the ``kustguard argocd`` commands."""
from __future__ import annotations

from collections.abc import Sequence

from kustguard.argocd.diff import ResourceDiff
from kustguard.argocd.status import AppStatus, ResourceProblem
from kustguard.argocd.views import AppDetails, HistoryEntry

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


def list_table(statuses: Sequence[AppStatus]) -> str:
    if not statuses:
        return "no applications"
    rows = [(s.name, s.project, s.sync, s.health, short_revision(s.revision) or "-",
             s.phase or "-") for s in statuses]
    return render(("NAME", "PROJECT", "SYNC", "HEALTH", "REVISION", "OPERATION"), rows)


def details_text(details: AppDetails) -> str:
    s = details.status
    operation = f"{s.phase}: {s.message}" if s.message else (s.phase or "-")
    lines = [f"Name:         {s.name}", f"Project:      {s.project}",
             f"Source:       {details.repo} {details.path} @ {details.target_revision}",
             f"Destination:  {details.destination}",
             f"Sync:         {s.sync} ({short_revision(s.revision) or '-'})",
             f"Health:       {s.health}", f"Operation:    {operation}"]
    if details.conditions:
        lines.append("Conditions:")
        lines += [f"  {c['type']}: {c['message']}" for c in details.conditions]
    if details.resources:
        rows = [("  " * r.depth + r.kind, r.namespace or "-", r.name, r.health or "-",
                 r.sync or "-", r.message) for r in details.resources]
        lines += ["", render(("KIND", "NAMESPACE", "NAME", "HEALTH", "SYNC", "MESSAGE"), rows)]
    return "\n".join(lines)


def history_table(name: str, entries: Sequence[HistoryEntry]) -> str:
    if not entries:
        return f"{name}: no deployment history"
    rows = [(str(e.id), short_revision(e.revision), e.deployed_at or "-", e.initiated_by or "-")
            for e in entries]
    return render(("ID", "REVISION", "DEPLOYED", "BY"), rows)
