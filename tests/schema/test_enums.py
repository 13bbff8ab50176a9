"""Kubernetes' enum fields are checked against their allowed values, with
both schema backends, from a table generated from k8s.io/api's sources."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from kustguard.schema import enums

REPO = Path(__file__).resolve().parents[2]
K8S_VERSION = next(line.split("=", 1)[1].strip()
                   for line in (REPO / "e2e/versions.env").read_text().splitlines()
                   if line.startswith("K8S_VERSION="))
API_MODULE = "v0." + K8S_VERSION.removeprefix("v1.")
MINOR = ".".join(K8S_VERSION.removeprefix("v").split(".")[:2])


def _api_dir() -> Path:
    """k8s.io/api at the pinned version, through the Go module proxy."""
    done = subprocess.run(["go", "mod", "download", "-json", f"k8s.io/api@{API_MODULE}"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr or done.stdout
    return Path(json.loads(done.stdout)["Dir"])


def test_the_shipped_table_is_generated_from_the_pinned_sources():
    shipped, _ = enums.load_table(MINOR)
    assert shipped, f"no enum table for Kubernetes {MINOR}: run 'make schemas'"
    assert shipped == json.loads(json.dumps(enums.generate(_api_dir(), API_MODULE)))


def test_the_table_holds_the_fields_people_misspell():
    table, _ = enums.load_table(MINOR)
    defs = table["definitions"]
    assert defs["io.k8s.api.core.v1.Container"]["imagePullPolicy"]["enum"] == [
        "Always", "Never", "IfNotPresent"]
    assert set(defs["io.k8s.api.core.v1.ServiceSpec"]["type"]["enum"]) == {
        "ClusterIP", "NodePort", "LoadBalancer", "ExternalName"}
    assert defs["io.k8s.api.networking.v1.HTTPIngressPath"]["pathType"]["enum"] == [
        "Exact", "Prefix", "ImplementationSpecific"]
    assert defs["io.k8s.api.core.v1.ServiceSpec"]["ipFamilies"]["array"] is True


def test_generator_reads_both_constant_forms(tmp_path):
    pkg = tmp_path / "shop" / "v1"
    pkg.mkdir(parents=True)
    (pkg / "types.go").write_text(
        "package v1\n\n// Mode is how.\n// +enum\n// More words.\ntype Mode string\n\n"
        "const (\n\tModeA Mode = \"A\"\n\tModeB = Mode(\"B\")\n)\n\n"
        "// Plain is no enum.\ntype Plain string\n\nconst PlainX Plain = \"X\"\n\n"
        "type Spec struct {\n\tMode *Mode `json:\"mode,omitempty\"`\n"
        "\tModes []Mode `json:\"modes\"`\n\tPlain Plain `json:\"plain\"`\n}\n")
    table = enums.generate(tmp_path, "v0.0.1")
    assert table["definitions"] == {"io.k8s.api.shop.v1.Spec": {
        "mode": {"enum": ["A", "B"], "array": False},
        "modes": {"enum": ["A", "B"], "array": True}}}


MUTATIONS = [
    ("base/todo/deployment.yaml", "imagePullPolicy: IfNotPresent", "imagePullPolicy: Allways",
     "'Allways' is not an allowed value; use one of: Always, Never, IfNotPresent"),
    ("base/todo/service.yaml", "type: ClusterIP", "type: ClusterIp",
     "'ClusterIp' is not an allowed value; use one of: ClusterIP, NodePort, LoadBalancer, "
     "ExternalName"),
    ("base/todo/ingress.yaml", "pathType: Prefix", "pathType: prefix",
     "'prefix' is not an allowed value; use one of: Exact, Prefix, ImplementationSpecific"),
]


@pytest.fixture(scope="module")
def mutated(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("enums") / "repo"
    shutil.copytree(REPO, repo, ignore=shutil.ignore_patterns(".git", ".venv", ".tools", ".cache",
                                                              "__pycache__"))
    for rel, old, new, _ in MUTATIONS:
        path = repo / rel
        text = path.read_text()
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1))
    return repo


@pytest.mark.parametrize("backend", ["python", "kubeconform"])
def test_misspelled_values_fail_with_both_backends(mutated, backend, kustguard):
    done = kustguard("validate", "overlays/k3d", "--check", "schema", "--schema-backend", backend,
                     "--format", "json", cwd=mutated,
                     env={"KUSTGUARD_TOOLS_DIR": str(REPO / ".tools/bin")})
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)["findings"]
    for rel, _, new, message in MUTATIONS:
        lines = (mutated / rel).read_text().splitlines()
        line = next(i for i, text in enumerate(lines, 1) if new in text)
        hits = [f for f in findings if f["file"] == rel and message in f["message"]]
        assert [f["line"] for f in hits] == [line], (rel, [f["message"] for f in findings])
