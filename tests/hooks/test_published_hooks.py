"""The published hooks (.pre-commit-hooks.yaml) from another GitOps repository.

The consumer (tests/hooks/consumer: one base, one overlay) lists this
project by local path, `repo: <path>` with `rev: <commit>`, a form pre-commit
supports: pre-commit clones it and pip-installs the kustguard package into an
environment of its own, exactly as it would from the project's URL. kustomize
comes from PATH (this checkout's pinned one); this checkout's .venv is not
on PATH, so the hooks can only run from pre-commit's environment.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from hookrepos import (
    PRE_COMMIT, REPO_ROOT, Baseline, Repo, clean_env, commit_all, init_repo, locked, run,
)

CONSUMER = Path(__file__).parent / "consumer"
PUBLISHED = ("kustguard-validate", "kustguard-secret-guard", "kustguard-kustomization-lint")


def consumer_path() -> str:
    dev_bin = str(REPO_ROOT / ".venv" / "bin")
    rest = [p for p in os.environ.get("PATH", os.defpath).split(os.pathsep) if p and p != dev_bin]
    return os.pathsep.join([str(REPO_ROOT / ".tools" / "bin"), *rest])


def make_consumer(root: Path, hooks_repo: Baseline, pre_commit_home: Path) -> Repo:
    shutil.copytree(CONSUMER, root)
    (root / "gitignore").rename(root / ".gitignore")
    hooks = "".join(f"      - id: {hook_id}\n" for hook_id in PUBLISHED)
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks_repo.root}\n    rev: {hooks_repo.rev}\n    hooks:\n{hooks}")
    init_repo(root)
    commit_all(root, "a GitOps repository using the published hooks")
    env = clean_env(PRE_COMMIT_HOME=str(pre_commit_home), PATH=consumer_path())
    run([*PRE_COMMIT, "install"], root, env=env, check=True)
    return Repo(root, env)


@pytest.fixture(scope="session")
def published_env(project_baseline: Baseline, pre_commit_home: Path, shared_dir: Path) -> Baseline:
    """pre-commit builds the hooks' environment (pip install of the project) once per run."""
    with locked(shared_dir, "published"):
        warm = shared_dir / "consumer-warm-up"
        if not warm.is_dir():
            repo = make_consumer(warm, project_baseline, pre_commit_home)
            run([*PRE_COMMIT, "install-hooks"], warm, env=repo.env, check=True)
    return project_baseline


@pytest.fixture
def consumer(published_env: Baseline, pre_commit_home: Path, tmp_path: Path) -> Repo:
    return make_consumer(tmp_path / "consumer", published_env, pre_commit_home)


def test_the_published_hooks_pass_on_a_clean_repository(consumer: Repo):
    proc = consumer.pre_commit("run", "--all-files", "--verbose")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    for hook_id in PUBLISHED:
        assert re.search(rf"^- hook id: {hook_id}$", output, re.M), output
    assert "validating 1 of 1 entry points affected by" in output and ": overlays/dev" in output


def test_the_environment_is_pre_commits_own(consumer: Repo, pre_commit_home: Path):
    installed = list(pre_commit_home.glob("repo*/py_env-*/bin/kustguard"))
    assert installed, f"no kustguard installed under {pre_commit_home}"


def _plaintext_secret(repo: Repo):
    repo.write("base/web/token.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\n"
                                      "data:\n  token: aHVudGVyMg==\n")
    return ["base/web/token.yaml"], ["base/web/token.yaml:5", "committed in plaintext"]


def _common_labels(repo: Repo):
    repo.edit("base/web/kustomization.yaml", "labels:\n  - pairs:\n      app.kubernetes.io/part-of: web\n",
              "commonLabels:\n  app.kubernetes.io/part-of: web\n")
    return (["base/web/kustomization.yaml"],
            ["base/web/kustomization.yaml:3: commonLabels is deprecated", "labels: [{pairs:"])


def _unpinned_remote_base(repo: Repo):
    repo.edit("overlays/dev/kustomization.yaml", "  - ../../base/web\n",
              "  - ../../base/web\n  - https://github.com/example/monitoring//base?ref=main\n")
    return (["overlays/dev/kustomization.yaml"],
            ["overlays/dev/kustomization.yaml:7: remote resources entry", "ref=main is a branch"])


def _probe_on_missing_port(repo: Repo):
    repo.edit("base/web/deployment.yaml", "            tcpSocket:\n              port: http\n",
              "            tcpSocket:\n              port: 9090\n")
    return ["base/web/deployment.yaml"], ["base/web/deployment.yaml:", "probe-port", "9090"]


@pytest.mark.parametrize("make_change", [
    _plaintext_secret, _common_labels, _unpinned_remote_base, _probe_on_missing_port,
], ids=lambda f: f.__name__.strip("_"))
def test_the_published_hooks_refuse_a_bad_commit(consumer: Repo, make_change):
    before = consumer.head()
    paths, expected = make_change(consumer)
    proc = consumer.commit(*paths, message="bad change")
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert consumer.head() == before
    assert "Traceback" not in output
    for text in expected:
        assert text in output, f"{text!r} not in:\n{output}"


K8S_SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-plain\n"


def make_k8s_consumer(root: Path, hooks_repo: Baseline, pre_commit_home: Path) -> Repo:
    """Issue 14's shape: no overlays/, one k8s/ kustomization, entry-points = ["k8s"]."""
    files = {
        ".kustguard.toml": 'entry-points = ["k8s"]\nfail-on = "error"\n',
        "k8s/kustomization.yaml": "resources:\n  - deployment.yaml\n",
        "k8s/deployment.yaml": (CONSUMER / "base/web/deployment.yaml").read_text(),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    hooks = "".join(f"      - id: {hook_id}\n" for hook_id in PUBLISHED)
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks_repo.root}\n    rev: {hooks_repo.rev}\n    hooks:\n{hooks}")
    init_repo(root)
    commit_all(root, "a repository with its manifests in k8s/")
    env = clean_env(PRE_COMMIT_HOME=str(pre_commit_home), PATH=consumer_path())
    run([*PRE_COMMIT, "install"], root, env=env, check=True)
    return Repo(root, env)


def test_the_published_hooks_refuse_a_secret_in_k8s(published_env: Baseline, pre_commit_home: Path,
                                                    tmp_path: Path):
    repo = make_k8s_consumer(tmp_path / "k8s-consumer", published_env, pre_commit_home)
    before = repo.head()
    repo.write("k8s/secret.yaml", K8S_SECRET)
    repo.edit("k8s/kustomization.yaml", "  - deployment.yaml\n", "  - deployment.yaml\n  - secret.yaml\n")
    proc = repo.commit("k8s/secret.yaml", "k8s/kustomization.yaml", message="add a Secret")
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert repo.head() == before
    assert "validating 1 of 1 entry points affected by 2 staged files: k8s" in output
    # secret-guard (the file) and validate (the render) both name the line.
    assert "k8s/secret.yaml:5: error secret-plaintext" in output, output
    assert "k8s/secret.yaml:5: error secret-rendered [k8s Secret/default/db]" in output, output
    assert "hunter2-plain" not in output
