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


def test_containers_written_as_a_mapping_is_a_schema_finding(k3d_copy, edit):
    # One lost `- `: valid YAML, a mapping where a list belongs.
    edit("base/registry/deployment.yaml").replace(
        "      containers:\n        - name: registry\n", "      containers:\n          name: registry\n")
    code, findings = validate(k3d_copy)
    assert code == 1
    schema = [f for f in findings if f["check"] == "schema"]
    assert sorted((f["overlay"], f["object"]["name"], f["file"], f["line"], f["field"]) for f in schema) == [
        (env, "registry", "base/registry/deployment.yaml", 32, "spec.template.spec.containers")
        for env in ("overlays/k3d", "overlays/microk8s")]
    assert not [f for f in findings if f["check"] == "internal-error"]
    # Every other overlay is as clean as before; what follows from the
    # unreadable containers stays with the registry.
    assert {f["overlay"] for f in findings} == {"overlays/k3d", "overlays/microk8s"}
    assert {f["object"]["namespace"] for f in findings if f["object"]} == {"registry"}


def test_spec_written_as_a_list_is_a_schema_finding(k3d_copy, edit):
    path = k3d_copy / "base/registry/deployment.yaml"
    head, tail = path.read_text().split("\nspec:\n", 1)
    lines = tail.splitlines()
    as_list = [("  - " + line[2:]) if i == 0 else ("  " + line) for i, line in enumerate(lines)]
    edit("base/registry/deployment.yaml").path.write_text(head + "\nspec:\n" + "\n".join(as_list) + "\n")
    code, findings = validate(k3d_copy, "overlays/k3d")
    assert code == 1
    assert ("schema", "base/registry/deployment.yaml", 9, "spec") in {
        (f["check"], f["file"], f["line"], f["field"]) for f in findings}
    assert not [f for f in findings if f["check"] == "internal-error"]


def test_a_sidecar_patch_points_at_the_patch(k3d_copy, edit):
    edit("overlays/k3d/todo/sidecar.yaml").path.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: todo\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: logshipper\n"
        "          image: fluent/fluent-bit:latest\n")
    edit("overlays/k3d/todo/kustomization.yaml").replace(
        "images:\n", "patches:\n  - path: sidecar.yaml\nimages:\n")
    code, findings = validate(k3d_copy, "overlays/k3d")
    assert code == 1
    assert len(findings) >= 7
    assert {(f["file"], f["line"]) for f in findings} <= {
        ("overlays/k3d/todo/sidecar.yaml", 9), ("overlays/k3d/todo/sidecar.yaml", 10)}
    assert ("image-tag", "overlays/k3d/todo/sidecar.yaml", 10) in {
        (f["check"], f["file"], f["line"]) for f in findings}


def test_a_policy_the_api_server_refuses_is_a_finding_not_the_end(k3d_copy, edit):
    # `tcp` is not a protocol (the schema allows any string): the reachability
    # model refuses the policy. That is a finding about the object (exit 1),
    # reported once, and every other check still runs.
    edit("components/todo-network-policies/mysql.yaml").replace("protocol: TCP", "protocol: tcp")
    code, findings = validate(k3d_copy, "overlays/k3d")
    assert code == 1
    refused = [f for f in findings if "protocol 'tcp'" in f["message"]]
    assert [(f["object"]["name"], f["file"], f["field"] or "") for f in refused] == [
        ("mysql-from-todo-only", "components/todo-network-policies/mysql.yaml", "")]
    assert refused[0]["line"] == 20
    assert not [f for f in findings if f["check"] == "internal-error"]
