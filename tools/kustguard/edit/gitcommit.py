"""Commit edited files with real git: only those files, never a push."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

from kustguard.errors import InputError

LOCK_RETRIES = 10


def _git(repo_root: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=repo_root, capture_output=True, text=True,
                              timeout=120)
    except FileNotFoundError:
        raise InputError("git is not installed", hint="install git, or drop --commit") from None


def _last_line(proc: subprocess.CompletedProcess) -> str:
    lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
    return lines[-1].strip() if lines else f"git exited with {proc.returncode}"


def commit(repo_root: Path, paths: list[str], message: str) -> str:
    """Commit exactly `paths` (repo-relative) with `message`; return the short hash.

    Other staged or unstaged changes in the working tree stay out of the
    commit. Retries while another git process holds the index lock.
    """
    if _git(repo_root, "rev-parse", "--is-inside-work-tree").returncode != 0:
        raise InputError("files written, but this is not a git repository", repo_root,
                         hint="commit them yourself, or run without --commit")
    for attempt in range(LOCK_RETRIES):
        add = _git(repo_root, "add", "--", *paths)
        proc = add if add.returncode != 0 else _git(
            repo_root, "commit", "--only", "-m", message, "--", *paths)
        if proc.returncode == 0:
            head = _git(repo_root, "rev-parse", "--short", "HEAD")
            return head.stdout.strip()
        if "index.lock" not in proc.stderr or attempt == LOCK_RETRIES - 1:
            raise InputError(f"files written, but git commit failed: {_last_line(proc)}",
                             hint="commit them yourself")
        time.sleep(0.5)
    raise AssertionError("unreachable")  # pragma: no cover
