"""The one-line problem every hook prints: ``file:line: what (fix: how)``."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kustguard.errors import InputError


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        fix = f" (fix: {self.fix})" if self.fix else ""
        return f"{where}: {self.message}{fix}"

    @classmethod
    def from_error(cls, error: InputError, default_file: str = "") -> "Problem":
        file = str(error.path) if error.path is not None else default_file
        return cls(file, error.line or 0, error.message, error.hint or "")


def display_path(path: Path, repo_root: Path) -> str:
    """Repo-relative when the path is inside the repository, else as given."""
    try:
        return path.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return str(path)
