"""Human output: grouped by overlay, most severe first, with colour on a terminal."""
from __future__ import annotations

import os
import sys
from collections import defaultdict

from kustguard.findings import Finding, Severity

_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def use_colour(stream=sys.stdout) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if colour else text


def _finding_lines(finding: Finding, colour: bool) -> list[str]:
    sev = _paint(f"{str(finding.severity):7}", _COLOURS[finding.severity], colour)
    parts = [f"  {sev} {finding.check_id}"]
    if finding.object:
        parts.append(str(finding.object))
    if finding.location:
        parts.append(finding.location)
    lines = ["  ".join(parts), f"          {finding.message}"]
    if finding.hint:
        lines.append(f"          fix: {finding.hint}")
    if finding.docs_url:
        lines.append(f"          docs: {finding.docs_url}")
    return lines


def plural(count: int, noun: str) -> str:
    word = noun if count == 1 else (noun[:-1] + "ies" if noun.endswith("y") else noun + "s")
    return f"{count} {word}"


def render(result, *, colour: bool = False, elapsed: float | None = None) -> str:
    by_overlay: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_overlay[finding.overlay].append(finding)
    out: list[str] = []
    for warning in result.warnings:
        out.append(_paint(f"warning: {warning}", "33", colour))
    objects = 0
    cache_hits = 0
    for overlay in result.overlays:
        head = _paint(overlay.name, "1", colour)
        if overlay.entry.kind != "kustomization":  # say what the argument was taken as
            head += f" [{overlay.entry.kind}]"
        if overlay.error:
            out.append(f"{head}: not rendered: {overlay.error}")
            continue
        if overlay.render.status == "remote-unreachable":
            out.append(f"{head}: not rendered: {overlay.render.error}")
            continue
        count = overlay.objects
        objects += count
        cache_hits += overlay.render.cached
        how = ("read" if overlay.entry.plain else
               "cache hit" if overlay.render.cached else "rendered")
        if overlay.findings_cached:
            how += ", findings cached"
        found = by_overlay.get(overlay.name, [])
        out.append(f"{head}: {plural(count, 'object')} ({how}), {count} validated, "
                   f"{plural(len(found), 'finding')}")
        for finding in found:
            out.extend(_finding_lines(finding, colour))
    repo_level = by_overlay.get("", [])
    if repo_level:
        out.append(_paint("repository files", "1", colour) + f": {plural(len(repo_level), 'finding')}")
        for finding in repo_level:
            out.extend(_finding_lines(finding, colour))
    skipped = getattr(result, "skipped", {})
    by_reason: dict[str, list[str]] = defaultdict(list)
    for check_id, why in sorted(skipped.items()):
        by_reason[why].append(check_id)
    for why, ids in by_reason.items():
        named = f": {', '.join(ids)}" if len(ids) <= 5 else ""
        out.append(f"skipped {plural(len(ids), 'check')} ({why}){named}")
    rendered = sum(1 for o in result.overlays if o.rendered)
    summary = (f"{plural(len(result.overlays), 'entry point')}, {rendered} rendered "
               f"({cache_hits} from cache), {plural(objects, 'object')}, "
               f"{plural(len(result.findings), 'finding')}")
    if result.suppressed:
        summary += f", {result.suppressed} suppressed with a reason"
    if elapsed is not None:
        summary += f", {elapsed:.2f}s"
    out.append(summary)
    return "\n".join(out) + "\n"
