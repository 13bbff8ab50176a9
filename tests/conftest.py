"""Fixtures shared by the whole suite."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# Upstream material (Argo CD and MetalLB CRDs, the Argo CD API spec) sits
# beside the repository; tests read it, the project never copies it.
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    assert SHARED.is_dir(), f"upstream material expected beside the repo at {SHARED}"
    return SHARED


@pytest.fixture
def make_repo(tmp_path: Path):
    """make_repo({relpath: text}) -> a folder laid out as a kustguard repo."""

    def make(files: dict[str, str]) -> Path:
        root = tmp_path / "repo"
        root.mkdir(exist_ok=True)
        (root / ".kustguard.toml").write_text('fail-on = "info"\n')
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(text)
        return root

    return make


@pytest.fixture
def kustguard(tmp_path: Path):
    """kustguard(*args, cwd=..., input=...) -> CompletedProcess of the real console
    script. Its user cache folder is the test's own."""

    def run(*args: str, cwd: Path, env: dict | None = None, timeout: float = 300,
            input: str | None = None):
        exe = Path(sys.executable).parent / "kustguard"
        full_env = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(tmp_path / "user-cache"),
                    **(env or {})}
        return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True,
                              env=full_env, timeout=timeout, input=input,
                              stdin=None if input is not None else subprocess.DEVNULL)

    return run
