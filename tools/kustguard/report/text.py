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
    return lines


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
        if overlay.error:
            out.append(f"{head}: not rendered: {overlay.error}")
            continue
        if overlay.render.status == "remote-unreachable":
            out.append(f"{head}: not rendered: {overlay.render.error}")
            continue
        count = overlay.objects
        objects += count
        cache_hits += overlay.render.cached
        how = "cache hit" if overlay.render.cached else "rendered"
        if overlay.findings_cached:
            how += ", findings cached"
        found = by_overlay.get(overlay.name, [])
        out.append(f"{head}: {count} objects ({how}), {count} validated, "
                   f"{len(found)} finding{'s' * (len(found) != 1)}")
        for finding in found:
            out.extend(_finding_lines(finding, colour))
    repo_level = by_overlay.get("", [])
    if repo_level:
        out.append(_paint("repository files", "1", colour) + f": {len(repo_level)} findings")
        for finding in repo_level:
            out.extend(_finding_lines(finding, colour))
    rendered = sum(1 for o in result.overlays if o.rendered)
    summary = (f"{len(result.overlays)} entry points, {rendered} rendered ({cache_hits} from cache), "
               f"{objects} objects, {len(result.findings)} findings")
    if result.suppressed:
        summary += f", {result.suppressed} suppressed with a reason"
    if elapsed is not None:
        summary += f", {elapsed:.2f}s"
    out.append(summary)
    return "\n".join(out) + "\n"
