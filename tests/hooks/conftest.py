"""Fixtures: real git repositories for the hook tests.

`project_baseline` is a copy of this project (git's tracked and untracked,
not ignored files, as they are in the working tree) committed in a new git
repository. Its .venv and .tools are symlinks to this checkout's: the copy is
the same project, and `make setup` in every copy would only reinstall the
same pinned packages. `project` clones the baseline per test and installs the
git hook with `make hooks`. test_published_hooks.py adds `consumer`, another
GitOps repository that uses the published hooks by local path.

What is built once is shared by the xdist workers of the run (file locks),
so that pre-commit pip-installs the published hooks only once.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hookrepos import (
    REPO_ROOT, Baseline, Repo, clean_env, commit_all, git, init_repo, link_tools, locked,
    project_files, run,
)


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory) -> Path:
    """A folder every xdist worker of this run shares."""
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    base = tmp_path_factory.getbasetemp()
    folder = base.parent / f"hooks-{run_id}" if run_id else base / "hooks-shared"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def project_baseline(shared_dir: Path) -> Baseline:
    root = shared_dir / "project"
    with locked(shared_dir, "project"):
        if not (root / ".git").is_dir():
            staging = shared_dir / "project.tmp"
            shutil.rmtree(staging, ignore_errors=True)
            for rel in project_files(REPO_ROOT):
                target = staging / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO_ROOT / rel, target, follow_symlinks=False)
            init_repo(staging)
            commit_all(staging, "baseline: the project as it is in the working tree")
            staging.rename(root)
    return Baseline(root, git(root, "rev-parse", "HEAD").strip())


@pytest.fixture(scope="session")
def pre_commit_home(shared_dir: Path) -> Path:
    home = shared_dir / "pre-commit-home"
    home.mkdir(exist_ok=True)
    return home


@pytest.fixture
def project(project_baseline: Baseline, tmp_path: Path, pre_commit_home: Path) -> Repo:
    root = tmp_path / "project"
    git(tmp_path, "clone", "-q", str(project_baseline.root), str(root))
    link_tools(root)
    env = clean_env(PRE_COMMIT_HOME=str(pre_commit_home))
    # `make hooks` as a developer runs it; -o setup: the linked .venv and
    # .tools are this checkout's, set up already (never reinstall them from a copy).
    run(["make", "-o", "setup", "hooks"], root, env=env, check=True)
    assert (root / ".git" / "hooks" / "pre-commit").is_file()
    return Repo(root, env)
