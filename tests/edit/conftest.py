"""Fixtures: a small GitOps repository with two environments, and the edit commands run for real."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from editrepo import K3D_TODO, TODO_BASE, git, golden


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory) -> Path:
    """One kustguard cache for the session: the schema tree is built once."""
    return tmp_path_factory.mktemp("kustguard-cache")


@pytest.fixture
def envs_repo(make_repo, shared_cache, monkeypatch) -> Path:
    """overlays/k3d and overlays/gke deploying base/todo; gke's file is the odd golden one."""
    monkeypatch.setenv("KUSTGUARD_CACHE_DIR", str(shared_cache))
    return make_repo({
        "base/todo/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/todo/deployment.yaml": TODO_BASE,
        "overlays/k3d/kustomization.yaml": "resources: [todo]\n",
        "overlays/k3d/todo/kustomization.yaml": K3D_TODO,
        "overlays/gke/kustomization.yaml": "resources:\n  - todo\n",
        "overlays/gke/todo/kustomization.yaml": golden("promote/gke-todo.kustomization.yaml"),
    })


@pytest.fixture
def git_repo(envs_repo) -> Path:
    git(envs_repo, "init", "-q", "-b", "main")
    git(envs_repo, "add", ".")
    git(envs_repo, "commit", "-q", "-m", "initial")
    return envs_repo


@pytest.fixture
def edit_cli(shared_cache):
    """edit_cli(*args, cwd=...) -> CompletedProcess of `python -m kustguard.edit`."""

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
        env = {**os.environ, "NO_COLOR": "1", "KUSTGUARD_CACHE_DIR": str(shared_cache),
               "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
        return subprocess.run([sys.executable, "-m", "kustguard.edit", *args], cwd=cwd,
                              capture_output=True, text=True, env=env, timeout=300)

    return run
