"""Real git repositories and real pre-commit for the hook tests: helpers
shared by conftest.py (fixtures) and the test modules."""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LINKED = (".venv", ".tools")
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]
TIMEOUT_S = 900


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a developer's shell: no variables from an outer git
    hook, pre-commit run or kustguard setting, no global git configuration."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "PRE_COMMIT", "KUSTGUARD_"))}
    env.update(
        NO_COLOR="1", PRE_COMMIT_COLOR="never", GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="Hook Test", GIT_AUTHOR_EMAIL="hooks@example.invalid",
        GIT_COMMITTER_NAME="Hook Test", GIT_COMMITTER_EMAIL="hooks@example.invalid",
    )
    env.update(extra)
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
        check: bool = False) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env or clean_env(), capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return run(["git", *args], cwd, env=env, check=True).stdout


def project_files(root: Path) -> list[str]:
    out = git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return sorted(p for p in out.split("\0") if p and os.path.lexists(root / p))


def init_repo(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "commit.gpgsign", "false")


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-verify", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def link_tools(root: Path) -> None:
    """Symlink this checkout's .venv and .tools into a copy, ignored by git."""
    for name in LINKED:
        (root / name).symlink_to(REPO_ROOT / name, target_is_directory=True)
    with open(root / ".git" / "info" / "exclude", "a") as exclude:
        exclude.write("".join(f"/{name}\n" for name in LINKED))


@contextmanager
def locked(folder: Path, name: str):
    with open(folder / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class Baseline:
    root: Path
    rev: str


@dataclass
class Repo:
    root: Path
    env: dict[str, str]

    def git(self, *args: str) -> str:
        return git(self.root, *args, env=self.env)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def edit(self, rel: str, old: str, new: str) -> None:
        text = (self.root / rel).read_text()
        assert old in text, f"{rel} no longer holds {old!r}: update this test's edit"
        (self.root / rel).write_text(text.replace(old, new, 1))

    def commit(self, *paths: str, message: str = "change") -> subprocess.CompletedProcess:
        """Stage paths and `git commit` them through the installed pre-commit hook."""
        self.git("add", "--", *paths)
        return run(["git", "commit", "-m", message], self.root, env=self.env)

    def pre_commit(self, *args: str) -> subprocess.CompletedProcess:
        return run([*PRE_COMMIT, *args], self.root, env=self.env)
