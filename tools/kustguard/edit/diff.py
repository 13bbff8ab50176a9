"""Unified diffs of planned edits, as git shows them."""
from __future__ import annotations

import difflib


def unified(display: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=f"a/{display}", tofile=f"b/{display}")
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def changed_lines(old: str, new: str) -> list[str]:
    """Only the removed (-) and added (+) lines, without headers or context."""
    return [line.rstrip("\n") for line in difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))]
