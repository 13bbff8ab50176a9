"""argocd-app-project: an Application cannot leave its environment's project."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
URL = "https://github.com/your-org/your-fork.git"  # a placeholder: this repository


def _app(name: str, project: str | None, path: str) -> str:
    proj = f"  project: {project}\n" if project is not None else ""
    return (f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n"
            f"  namespace: argocd\nspec:\n{proj}  source:\n    repoURL: {URL}\n"
            f"    path: {path}\n  destination:\n    server: https://kubernetes.default.svc\n"
            "    namespace: shop\n")


LAYOUT = {
    "overlays/prod/kustomization.yaml": "resources: []\n",
    "overlays/prod/environment.yaml": "apiVersion: kustguard.io/v1\nkind: Environment\n",
    "overlays/prod/shop/kustomization.yaml": "resources: []\n",
    "argocd/apps/kustomization.yaml": "resources: []\n",
    "loot/kustomization.yaml": "resources: []\n",
}


def test_rules(run_check, tmp_path):
    manifests = "---\n".join([
        _app("ok", "prod", "overlays/prod/shop"),
        _app("in-default", "default", "overlays/prod/shop"),
        _app("no-project", None, "overlays/prod/shop"),
        _app("wrong-env", "staging", "overlays/prod/shop"),
        _app("unrendered", "prod", "loot"),
        _app("other-entry", "bootstrap", "argocd/apps"),
    ])
    findings = run_check("argocd-app-project", manifests, files=LAYOUT)
    lines = manifests.splitlines()

    def line_of(text: str) -> int:
        return lines.index(text) + 1

    got = [(f.object.name, f.field, f.line) for f in findings]
    assert got == [
        ("in-default", "spec.project", line_of("  project: default")),
        # No project field: the line of its parent, spec.
        ("no-project", "spec.project", line_of("  name: no-project") + 2),
        ("wrong-env", "spec.project", line_of("  project: staging")),
    ], [(f.object.name, f.message) for f in findings]
    assert "environment 'prod' from project 'staging'" in findings[2].message
    # A folder no entry point renders is argocd-app-path's finding, said once.
    assert "unrendered" in [f.object.name for f in run_check("argocd-app-path", manifests,
                                                              files=LAYOUT)]


def test_an_application_in_default_fails_validate(tmp_path, kustguard):
    """The attack from the review: an Application in `default`, pointing at a
    folder with a cluster-admin binding, committed beside the k3d apps."""
    repo = tmp_path / "repo"
    shutil.copytree(REPO, repo, ignore=shutil.ignore_patterns(".git", ".venv", ".tools", ".cache",
                                                              "node_modules", "__pycache__"))
    (repo / "loot").mkdir()
    (repo / "loot/kustomization.yaml").write_text("resources:\n- crb.yaml\n")
    (repo / "loot/crb.yaml").write_text(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n"
        "  name: loot\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n"
        "  name: cluster-admin\nsubjects:\n- kind: ServiceAccount\n  name: default\n"
        "  namespace: todo\n")
    (repo / "argocd/applications/k3d/loot.yaml").write_text(
        _app("k3d-loot", "default", "loot").replace("  namespace: argocd\n", ""))
    kfile = repo / "argocd/applications/k3d/kustomization.yaml"
    text = kfile.read_text()
    # The shared patch would set the project: the attacker drops it too.
    kfile.write_text(text.replace("  - calculator.yaml\n", "  - calculator.yaml\n  - loot.yaml\n")
                     .replace("        project: k3d\n", ""))
    done = kustguard("validate", "argocd/applications", "--check", "argocd-app-project",
                     cwd=repo, env={"KUSTGUARD_TOOLS_DIR": str(REPO / ".tools/bin")})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "argocd/applications/k3d/loot.yaml" in done.stdout
    assert "'default'" in done.stdout
    # Every other k3d app lost its project too: each is named.
    assert done.stdout.count("argocd-app-project") >= 12
