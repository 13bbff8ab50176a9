"""Scenario 1: every overlay, as the project renders it, is accepted by a real
API server (server-side apply, ``dryRun=All``, strict field validation),
with the CRDs it uses installed first. A rejection names the overlay, the
object, its source file and the server's message."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
from e2e_project import crds_for, offline_entries
from kustguard_e2e.controlplane import ControlPlane
from kustguard_e2e.kube import KubeError, ref

from kustguard.pipeline import render_objects

pytestmark = pytest.mark.e2e

ENTRIES = offline_entries()
ORIGIN = "config.kubernetes.io/origin"


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict]]:
    return {entry.name: render_objects(entry.path) for entry in ENTRIES}


@pytest.fixture(scope="module")
def with_crds(cluster: ControlPlane, rendered: dict[str, list[dict]], shared_dir: Path):
    everything = [obj for objs in rendered.values() for obj in objs]
    crds, synthesized = crds_for(everything, shared_dir)
    cluster.install_crds(crds)
    return synthesized


def _origin(obj: dict) -> str:
    text = (obj.get("metadata", {}).get("annotations") or {}).get(ORIGIN, "")
    for line in text.splitlines():
        if line.startswith("path:"):
            return line.split(":", 1)[1].strip()
    return "?"


def dry_run(cp: ControlPlane, entry_name: str, objects: list[dict]) -> list[str]:
    """Create the namespaces the objects live in, then dry-run every object
    (the Namespace objects too). The namespaces are created bare: the
    environments label theirs differently, and the GitOps scenarios later
    deploy k3d's own on the same cluster."""
    kube = cp.kube
    for ns in sorted({o["metadata"].get("namespace") for o in objects} - {None}):
        cp.ensure_namespace(ns)
    rejected = []
    for obj in objects:
        try:
            kube.apply(obj, dry_run=True)
        except KubeError as exc:
            rejected.append(f"{entry_name}: {ref(obj)} (from {_origin(obj)}): {exc.message}")
    return rejected


def test_the_entries_cover_every_environment():
    envs = {p.name for p in (Path(__file__).parents[2] / "overlays").iterdir() if p.is_dir()}
    names = {e.name for e in ENTRIES}
    assert {f"overlays/{env}" for env in envs} <= names
    assert "argocd/install" in names  # rendered from the pinned upstream manifest


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_the_api_server_accepts_every_object(cluster, with_crds, rendered, entry):
    objects = rendered[entry.name]
    assert objects, f"{entry.name} renders nothing"
    rejected = dry_run(cluster, entry.name, objects)
    assert not rejected, f"the API server rejects {len(rejected)} object(s):\n" + \
        "\n".join(rejected)


def test_a_rejection_names_the_overlay_and_the_object(cluster, with_crds, rendered):
    """The dry run is real: an object the API server refuses is reported."""
    objects = copy.deepcopy(rendered["overlays/k3d"])
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    deployment["spec"]["replicas"] = -1
    rejected = dry_run(cluster, "overlays/k3d", objects)
    assert len(rejected) == 1, rejected
    assert rejected[0].startswith(f"overlays/k3d: {ref(deployment)} (from ")
    assert "spec.replicas" in rejected[0] and "greater than or equal to 0" in rejected[0]


def _served_schemas(cp: ControlPlane) -> dict[str, dict]:
    """Every component schema the API server publishes in /openapi/v3."""
    index = cp.kube.request("GET", "/openapi/v3")
    out: dict[str, dict] = {}
    for entry in index["paths"].values():
        doc = cp.kube.request("GET", entry["serverRelativeURL"])
        out.update((doc.get("components") or {}).get("schemas") or {})
    return out


def test_the_enum_table_is_what_the_api_server_publishes(cluster):
    """The validator's allowed values (generated from k8s.io/api's sources)
    against the live server's own /openapi/v3 enums: the same sets."""
    from kustguard.schema import enums

    version = cluster.kube.request("GET", "/version")
    minor = f"{version['major']}.{version['minor'].rstrip('+')}"
    table, _ = enums.load_table(minor)
    assert table, f"no enum table for Kubernetes {minor}"
    served = _served_schemas(cluster)
    compared, differ = 0, []
    for name, fields in table["definitions"].items():
        if name not in served:  # an API group this server does not serve (alpha)
            continue
        props = served[name].get("properties") or {}
        for field, spec in fields.items():
            prop = props.get(field) or {}
            prop = prop.get("items", {}) if spec["array"] else prop
            compared += 1
            if set(prop.get("enum") or []) != set(spec["enum"]):
                differ.append((name, field, prop.get("enum"), spec["enum"]))
    assert not differ, differ
    # Most of the table is served by a default kube-apiserver.
    assert compared >= 0.8 * sum(len(f) for f in table["definitions"].values()), compared
    # And the server publishes no enum of these definitions that the table lacks.
    missing = [(name, field) for name in table["definitions"] if name in served
               for field, prop in (served[name].get("properties") or {}).items()
               if ((prop.get("items") or {}) if prop.get("type") == "array" else prop).get("enum")
               and field not in table["definitions"][name]]
    assert not missing, missing
