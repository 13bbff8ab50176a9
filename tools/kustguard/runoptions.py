"""Per-run switches of a validation (command-line flags), and which checks did not run."""
from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field



@dataclass
class RunOptions:
    # Validate every entry point against this Kubernetes version ('' = each one's own).
    kubernetes_version: str = ""
    # Globs of repository files no check reads, on top of the settings' exclude.
    exclude: tuple[str, ...] = ()
    # Called with (entry points checked, total) as checks run.
    check_progress: Callable[[int, int], None] | None = field(default=None, compare=False)

    def digest(self) -> list:
        """What the findings depend on (part of the findings cache key)."""
        return [self.kubernetes_version, sorted(self.exclude)]


def is_excluded(rel: str, globs: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(rel, g) for g in globs)


def excluded_files(files: list[str], globs: Iterable[str]) -> list[str]:
    globs = tuple(globs)
    return [f for f in files if not is_excluded(f, globs)] if globs else files


def skipped_checks(checks, config, only: set[str] | None, rendered: list[str],
                   repo_checks: bool) -> dict[str, str]:
    """Check id -> why it did not run in this validation."""
    skipped = {}
    for info in checks:
        if only is not None and info.id not in only:
            skipped[info.id] = "not selected with --check"
        elif info.id in config.disable:
            skipped[info.id] = "disabled in the settings"
        elif info.scope == "repo" and not repo_checks:
            skipped[info.id] = "repository files were not scanned in this run"
        elif info.scope == "overlay" and not rendered:
            skipped[info.id] = "no entry point was rendered"
        elif info.scope == "overlay" and all(info.id in config.disabled_for(n) for n in rendered):
            skipped[info.id] = "disabled for every entry point in the settings"
    return skipped
