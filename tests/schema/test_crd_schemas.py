"""The committed CRD schemas are exactly what the import command makes from upstream."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kustguard.schema.crds import import_crds, to_json_schema

SOURCES = {
    "argocd/v3.2.12/crds": "argo-cd v3.2.12 manifests/crds",
    "metallb/v0.15.3/crds": "metallb v0.15.3 config/crd/bases",
}


def test_committed_schemas_match_a_fresh_import(repo_root, shared_dir, tmp_path):
    for folder, origin in SOURCES.items():
        import_crds(sorted((shared_dir / folder).glob("*.yaml")), tmp_path, origin)
    committed = {p.relative_to(repo_root / "schemas"): p.read_text()
                 for p in (repo_root / "schemas").rglob("*") if p.is_file()
                 and p.parent != repo_root / "schemas" / "kustguard.io"}
    fresh = {p.relative_to(tmp_path): p.read_text() for p in tmp_path.rglob("*") if p.is_file()}
    assert sorted(map(str, committed)) == sorted(map(str, fresh))
    for rel, text in fresh.items():
        assert committed[rel] == text, f"schemas/{rel} is stale: run 'make schemas'"


def test_structural_rules():
    schema = to_json_schema({
        "type": "object",
        "properties": {
            "port": {"x-kubernetes-int-or-string": True},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                     "properties": {"a": {"type": "string"}}},
            "maybe": {"type": "string", "nullable": True},
        },
    })
    assert schema["additionalProperties"] is False
    assert schema["properties"]["port"]["anyOf"] == [{"type": "integer"}, {"type": "string"}]
    assert "additionalProperties" not in schema["properties"]["free"]
    assert schema["properties"]["maybe"]["type"] == ["string", "null"]


@pytest.mark.parametrize("rel", ["argoproj.io/application_v1alpha1.json",
                                 "metallb.io/ipaddresspool_v1beta1.json"])
def test_schema_pins_api_version_and_kind(repo_root, rel):
    schema = json.loads((repo_root / "schemas" / rel).read_text())
    assert len(schema["properties"]["apiVersion"]["enum"]) == 1
    assert schema["properties"]["kind"]["enum"][0].lower() == Path(rel).stem.split("_")[0]
