"""Break one thing in a copy of the repository's k3d overlay; the validator
reports exactly that, and the untouched copy is clean."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

COPIED = ("base", "components", "overlays", "schemas", "keys", ".sops.yaml", "pyproject.toml")


@pytest.fixture(scope="module")
def k3d_copy(repo_root, tmp_path_factory):
    """A copy of the GitOps tree, mutated and restored by each test.

    One copy for the module keeps the content cache useful: only the
    overlay a mutation touches is rendered again."""
    root = tmp_path_factory.mktemp("broken") / "repo"
    root.mkdir()
    for name in COPIED:
        src = repo_root / name
        if src.is_dir():
            shutil.copytree(src, root / name)
        else:
            shutil.copy2(src, root / name)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def validate(root: Path, *paths: str) -> tuple[int, list[dict]]:
    exe = Path(sys.executable).parent / "kustguard"
    proc = subprocess.run([str(exe), "validate", "--format", "json", *paths], cwd=root,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)["findings"]


def summary(findings: list[dict]) -> set[tuple]:
    return {(f["check"], f["object"]["kind"] if f["object"] else "",
             f["object"]["namespace"] if f["object"] else "",
             f["object"]["name"] if f["object"] else "", f["file"], f["field"])
            for f in findings}


class Edit:
    def __init__(self, root: Path, rel: str):
        self.path = root / rel
        self.original = self.path.read_text() if self.path.exists() else None

    def replace(self, old: str, new: str, count: int = 1) -> None:
        text = self.path.read_text()
        assert text.count(old) >= count, f"{old!r} not in {self.path}"
        self.path.write_text(text.replace(old, new, count))

    def restore(self) -> None:
        if self.original is None:
            self.path.unlink()
        else:
            self.path.write_text(self.original)


@pytest.fixture
def edit(k3d_copy):
    edits: list[Edit] = []

    def make(rel: str) -> Edit:
        e = Edit(k3d_copy, rel)
        edits.append(e)
        return e

    yield make
    for e in reversed(edits):
        e.restore()


def test_the_untouched_copy_is_clean(k3d_copy):
    assert validate(k3d_copy) == (0, [])


def test_probe_on_a_port_the_container_lacks(k3d_copy, edit):
    edit("base/todo/deployment.yaml").replace(
        "readinessProbe:\n            httpGet:\n              path: /\n              port: http",
        "readinessProbe:\n            httpGet:\n              path: /\n              port: web")
    code, findings = validate(k3d_copy, "overlays/k3d")
    assert code == 1
    assert summary(findings) == {
        ("probe-port", "Deployment", "todo", "todo", "base/todo/deployment.yaml",
         "spec.template.spec.containers[0].readinessProbe.httpGet.port")}


def test_service_selector_matching_no_pod(k3d_copy, edit):
    edit("base/todo/service.yaml").replace("  selector:\n    app: todo", "  selector:\n    app: tod0")
    code, findings = validate(k3d_copy, "overlays/k3d")
    assert code == 1
    assert summary(findings) == {
        ("service-selector", "Service", "todo", "todo", "base/todo/service.yaml", "spec.selector")}


def test_ingress_backend_port_that_does_not_exist(k3d_copy, edit):
    edit("base/todo/ingress.yaml").replace("port:\n                  name: http",
                                           "port:\n                  name: https")
    code, findings = validate(k3d_copy, "overlays/k3d")
    assert code == 1
    assert {(c, k, n, f) for c, k, _, n, f, _ in summary(findings)} == {
        ("ingress-backend", "Ingress", "todo", "base/todo/ingress.yaml")}


def test_secret_key_ref_to_a_missing_key(k3d_copy, edit):
    edit("base/todo/deployment.yaml").replace("key: password", "key: passwd")
    code, findings = validate(k3d_copy, "overlays/k3d")
    assert code == 1
    assert {(c, k, n, f) for c, k, _, n, f, _ in summary(findings)} == {
        ("secret-refs", "Deployment", "todo", "base/todo/deployment.yaml")}
    assert "passwd" in findings[0]["message"] and "mysql-credentials" in findings[0]["message"]


def test_plaintext_secret_in_the_sources(k3d_copy, edit):
    edit("base/todo/plain-secret.yaml").path.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\nstringData:\n  token: hunter2hunter2\n")
    edit("base/todo/kustomization.yaml").replace("resources:\n", "resources:\n  - plain-secret.yaml\n")
    code, findings = validate(k3d_copy)
    assert code == 1
    checks = {(f["check"], f["file"]) for f in findings}
    assert ("secret-plaintext", "base/todo/plain-secret.yaml") in checks
    # The render carries it too: secret-rendered names the same file.
    assert ("secret-rendered", "base/todo/plain-secret.yaml") in checks
    assert {c for c, _ in checks} <= {"secret-plaintext", "secret-rendered", "credential-values"}
    assert "hunter2hunter2" not in json.dumps(findings)


def test_policy_opening_mysql_to_everyone_violates_the_intent(k3d_copy, edit):
    # A rule with ports but no `from` admits every source, the outside included.
    edit("components/todo-network-policies/mysql.yaml").replace(
        "    - from:\n        - podSelector:\n            matchLabels:\n              app: todo\n"
        "      ports:\n", "    - ports:\n")
    code, findings = validate(k3d_copy, "overlays/k3d")
    assert code == 1
    assert {(f["check"], f["file"]) for f in findings} == {
        ("netpol-intent", "base/todo/intents.yaml")}  # where the intent is said
    violated = " ".join(f["message"] for f in findings)
    assert "only todo reaches mysql" in violated
    assert "mysql-from-todo-only" in violated  # names the policy that lets it through


def test_namespace_without_default_deny(k3d_copy, edit):
    edit("overlays/k3d/registry/kustomization.yaml").replace("  - ../../../components/default-deny\n", "")
    code, findings = validate(k3d_copy, "overlays/k3d")
    assert code == 1
    assert {(c, k, ns, n, f) for c, k, ns, n, f, _ in summary(findings)} == {
        ("netpol-default-deny", "Namespace", "", "registry", "base/namespaces/registry/namespace.yaml")}


def test_root_container_in_a_restricted_namespace(k3d_copy, edit):
    edit("base/todo/deployment.yaml").replace(
        "        runAsNonRoot: true\n        runAsUser: 1000\n",
        "        runAsNonRoot: false\n        runAsUser: 0\n")
    code, findings = validate(k3d_copy, "overlays/k3d")
    assert code == 1
    assert ("pod-security", "Deployment", "todo", "todo") in {
        (c, k, ns, n) for c, k, ns, n, _, _ in summary(findings)}
    # Said once, under pod-security: the namespace enforces restricted, so
    # run-as-non-root stays silent on the same containers.
    assert {(f["check"], f["object"]["name"], f["file"]) for f in findings} == {
        ("pod-security", "todo", "base/todo/deployment.yaml")}
    pss = [f for f in findings if f["check"] == "pod-security"]
    assert all("enforces restricted" in f["message"] for f in pss)
    assert any("runAsUser: 0" in f["message"] for f in pss)
