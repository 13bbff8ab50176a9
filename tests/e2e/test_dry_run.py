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

from kustguard.render import render_objects

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
