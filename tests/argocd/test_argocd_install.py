"""argocd/install renders offline from the pinned upstream manifest, and passes.

The pinned file is Argo CD's manifests/install.yaml from the Go module of the
release tag the kustomization names, fetched by `make setup` into Go's module
cache; rendering looks it up with GOPROXY=off, so these tests need no network.
"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kustguard import upstream
from kustguard.pipeline import render_objects

ROOT = Path(__file__).resolve().parents[2]
INSTALL = ROOT / "argocd" / "install"
KUSTGUARD = str(Path(sys.executable).parent / "kustguard")
# No route anywhere: a render that tried the network would fail.
NOWHERE = "http://127.0.0.1:9"
OFFLINE = {"GOPROXY": "off", "HTTPS_PROXY": NOWHERE, "HTTP_PROXY": NOWHERE, "NO_PROXY": ""}


def test_the_pin_matches_the_url_of_the_kustomization():
    (pin,) = upstream.pins_for(INSTALL)
    kustomization = yaml.safe_load((INSTALL / "kustomization.yaml").read_text())
    assert pin.url in kustomization["resources"]
    assert f"/{pin.version}/{pin.file}" in pin.url  # same tag, same file
    assert pin.module == "github.com/argoproj/argo-cd/v3"


def test_the_pinned_file_is_verified_in_the_module_cache():
    (pin,) = upstream.pins_for(INSTALL)
    path = upstream.locate(pin)
    assert path.name == "install.yaml" and not path.is_relative_to(ROOT)  # outside the repo
    tampered = dataclasses.replace(pin, sha256="0" * 64)
    with pytest.raises(upstream.UpstreamUnavailable, match="not the pinned 0000"):
        upstream.locate(tampered)
    wrong_module = dataclasses.replace(pin, module_sum="h1:AAAA=")
    with pytest.raises(upstream.UpstreamUnavailable, match="not the pinned h1:AAAA="):
        upstream.locate(wrong_module)


def test_a_module_not_in_the_cache_is_not_fetched_while_rendering():
    (pin,) = upstream.pins_for(INSTALL)
    missing = dataclasses.replace(pin, version="v3.0.0-kustguard-missing")
    with pytest.raises(upstream.UpstreamUnavailable, match="kustguard.upstream fetch` once"):
        upstream.locate(missing)


def test_validate_renders_the_install_offline_with_no_finding(tmp_path):
    env = {**os.environ, **OFFLINE, "KUSTGUARD_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run([KUSTGUARD, "validate", "argocd/install", "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    report = json.loads(proc.stdout)
    (overlay,) = report["overlays"]
    assert overlay["name"] == "argocd/install" and overlay["status"] == "ok", overlay
    assert overlay["objects"] > 50 and not overlay["cached"]
    assert report["findings"] == []
    # upstream's RBAC (wildcards, Secrets, escalation paths), each with its reason
    assert report["suppressed"] == 16


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    return render_objects(INSTALL)


def _containers(obj: dict) -> list[dict]:
    spec = obj["spec"]["template"]["spec"]
    return spec.get("initContainers", []) + spec["containers"]


def test_every_container_has_requests_and_a_memory_limit(objects):
    workloads = [o for o in objects if o["kind"] in ("Deployment", "StatefulSet")]
    assert len(workloads) == 7
    for workload in workloads:
        for c in _containers(workload):
            res = c.get("resources") or {}
            where = (workload["metadata"]["name"], c["name"])
            assert {"cpu", "memory"} <= set(res.get("requests", {})), where
            assert "memory" in res.get("limits", {}), where


def test_every_long_running_container_has_both_probes_on_a_declared_port(objects):
    for workload in (o for o in objects if o["kind"] in ("Deployment", "StatefulSet")):
        for c in workload["spec"]["template"]["spec"]["containers"]:
            assert c.get("livenessProbe") and c.get("readinessProbe"), c["name"]
            assert c["livenessProbe"] != c["readinessProbe"], c["name"]
            declared = {p["containerPort"] for p in c.get("ports", [])} | \
                {p.get("name") for p in c.get("ports", [])}
            for probe in (c["livenessProbe"], c["readinessProbe"]):
                port = (probe.get("httpGet") or probe.get("tcpSocket") or {}).get("port")
                assert port is None or port in declared, (c["name"], port)


def test_upstream_rbac_is_kept_with_a_reason_and_our_additions_exist(objects):
    by = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    controller = by[("ClusterRole", "argocd-application-controller")]
    assert controller["rules"][0]["resources"] == ["*"]  # unchanged: upstream's
    reasons = controller["metadata"]["annotations"]
    assert "AppProjects" in reasons["ignore-check.kustguard.io/rbac-wildcards"]
    deny = by[("NetworkPolicy", "default-deny-ingress")]
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    service = by[("Service", "argocd-application-controller")]
    assert service["spec"]["clusterIP"] == "None"
    statefulset = by[("StatefulSet", "argocd-application-controller")]
    assert statefulset["spec"]["serviceName"] == service["metadata"]["name"]
