"""rbac-escalation: grants that turn a modest role into a bigger one."""
from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _role(kind: str, name: str, rules: str) -> str:
    return (f"apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata:\n  name: {name}\n"
            f"  namespace: shop\nrules:\n{rules}")


def _crb(role: str) -> str:
    return ("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n"
            f"  name: {role}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n"
            f"  name: {role}\nsubjects:\n- kind: ServiceAccount\n  name: x\n  namespace: shop\n")


def test_each_grant_is_named(run_check):
    manifests = "---\n".join([
        _role("Role", "tokens", "- apiGroups: ['']\n  resources: [serviceaccounts/token]\n"
                                "  verbs: [create]\n"),
        _role("Role", "shell", "- apiGroups: ['*']\n  resources: [pods/exec, pods/attach]\n"
                               "  verbs: [get, create]\n"),
        _role("ClusterRole", "verbs", "- apiGroups: [rbac.authorization.k8s.io]\n"
                                      "  resources: [clusterroles]\n"
                                      "  verbs: [escalate, bind]\n"
                                      "- apiGroups: ['']\n  resources: [users, serviceaccounts]\n"
                                      "  verbs: [impersonate]\n"),
        _role("ClusterRole", "kubelet", "- apiGroups: ['']\n  resources: [nodes/proxy]\n"
                                        "  verbs: [get]\n"),
        _role("ClusterRole", "reads", "- apiGroups: ['']\n  resources: [configmaps, pods/log]\n"
                                      "  verbs: [list]\n"),
        _crb("reads"),
    ])
    findings = run_check("rbac-escalation", manifests)
    said = [(f.object.name, f.message.split(":")[0]) for f in findings]
    assert said == [
        ("tokens", "rule 0 can create serviceaccounts/token"),
        ("shell", "rule 0 can create/get pods/exec"),
        ("shell", "rule 0 can create/get pods/attach"),
        ("verbs", "rule 0 has the 'escalate' verb"),
        ("verbs", "rule 0 has the 'bind' verb"),
        ("verbs", "rule 1 has the 'impersonate' verb"),
        ("kubelet", "rule 0 can get nodes/proxy"),
        ("reads", "rule 0 can list configmaps through a ClusterRoleBinding"),
        ("reads", "rule 0 can list pods/log through a ClusterRoleBinding"),
    ]
    lines = manifests.splitlines()
    assert findings[0].line == lines.index("  resources: [serviceaccounts/token]") + 1


def test_modest_roles_pass(run_check):
    manifests = "---\n".join([
        # Reads of ConfigMaps and logs in one namespace (no ClusterRoleBinding).
        _role("ClusterRole", "reads", "- apiGroups: ['']\n  resources: [configmaps, pods/log]\n"
                                      "  verbs: [get, list, watch]\n"),
        _role("Role", "viewer", "- apiGroups: ['']\n  resources: [pods, serviceaccounts]\n"
                                "  verbs: [get, list]\n"),
        # Wildcards are rbac-wildcards' finding, said once there.
        _role("Role", "wild", "- apiGroups: ['']\n  resources: ['*']\n  verbs: ['*']\n"),
        "kind: Role\nmetadata: {name: bad}\nrules: {not: a list}\n",
        "kind: Role\nmetadata: {name: bad2}\nrules: [1, [], {verbs: 3}]\n",
    ])
    assert run_check("rbac-escalation", manifests) == []


def test_a_token_grant_to_the_dashboard_viewer_fails_validate(tmp_path, kustguard):
    """The review's attack: the "read-only" viewer may mint tokens."""
    repo = tmp_path / "repo"
    shutil.copytree(REPO, repo, ignore=shutil.ignore_patterns(".git", ".venv", ".tools", ".cache",
                                                              "__pycache__"))
    rbac = repo / "base/dashboard-cluster-rbac/rbac.yaml"
    text = rbac.read_text()
    anchor = '    verbs: ["get", "list", "watch"]\n'
    assert anchor in text
    rbac.write_text(text.replace(anchor, anchor + '  - apiGroups: [""]\n'
                                 '    resources: ["serviceaccounts/token"]\n'
                                 '    verbs: ["create"]\n', 1))
    done = kustguard("validate", "overlays/k3d", "--check", "rbac-escalation", cwd=repo,
                     env={"KUSTGUARD_TOOLS_DIR": str(REPO / ".tools/bin")})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ClusterRole/dashboard-viewer" in done.stdout
    assert "base/dashboard-cluster-rbac/rbac.yaml:" in done.stdout
    assert "serviceaccounts/token" in done.stdout
