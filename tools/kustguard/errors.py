"""Errors that end a run with exit code 2 and one clear line.

Every module raises these instead of letting a library exception escape; the
CLI turns them into `file:line: message (what to do)` on stderr.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


@dataclass
class InputError(Exception):
    """Bad input, a usage error or a missing tool: exit 2."""

    message: str
    path: str | Path | None = None
    line: int | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{hint}"


class ToolMissing(InputError):
    """A required external tool is not installed."""
