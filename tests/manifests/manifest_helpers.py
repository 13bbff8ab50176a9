"""Helpers for the manifest tests: rendering and lookups over rendered objects."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from kustguard.pipeline import render_objects

REPO_ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = REPO_ROOT / "overlays"
ENVS = sorted(p.name for p in OVERLAYS.iterdir() if (p / "kustomization.yaml").is_file())

_cache: dict[str, list[dict]] = {}


def render(env: str) -> list[dict]:
    if env not in _cache:
        _cache[env] = render_objects(OVERLAYS / env)
    return _cache[env]


def kustomize_build(path: Path) -> list[dict]:
    """Render a kustomization outside the repository (e.g. a variant made in
    a temporary folder) the way the project renders: pinned kustomize, exec
    plugins on, the venv's bin first on PATH, SOPS plugin shape-only."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(REPO_ROOT / ".venv" / "bin"),
                                   str(REPO_ROOT / ".tools" / "bin"), env.get("PATH", "")])
    env["KUSTGUARD_SOPS_SHAPE_ONLY"] = "1"
    kustomize = REPO_ROOT / ".tools" / "bin" / "kustomize"
    out = subprocess.run([str(kustomize), "build", "--enable-alpha-plugins", "--enable-exec",
                          str(path)], capture_output=True, text=True, env=env, timeout=120,
                         check=True)
    return [d for d in yaml.safe_load_all(out.stdout) if d]


class Objects:
    """Lookups over one overlay's rendered objects."""

    def __init__(self, env: str, objs: list[dict]):
        self.env = env
        self.objs = objs

    def of(self, kind: str, namespace: str | None = None) -> list[dict]:
        return [o for o in self.objs if o["kind"] == kind
                and (namespace is None or o["metadata"].get("namespace") == namespace)]

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict:
        found = [o for o in self.of(kind, namespace) if o["metadata"]["name"] == name]
        assert len(found) == 1, f"{self.env}: expected one {kind}/{name} in {namespace}, got {len(found)}"
        return found[0]

    def workloads(self) -> list[dict]:
        return [o for o in self.objs if o["kind"] in ("Deployment", "StatefulSet", "DaemonSet")]

    def namespace_labels(self, namespace: str) -> dict:
        return self.get("Namespace", namespace)["metadata"].get("labels") or {}

    def services_selecting(self, namespace: str, labels: dict) -> list[dict]:
        return [s for s in self.of("Service", namespace)
                if s["spec"].get("selector")
                and all(labels.get(k) == v for k, v in s["spec"]["selector"].items())]

    def secret_keys(self, namespace: str, name: str) -> set[str]:
        secret = self.get("Secret", name, namespace)
        return set(secret.get("data") or {}) | set(secret.get("stringData") or {})



def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: dict) -> dict:
    return workload["spec"]["template"]["metadata"].get("labels") or {}


def container(workload: dict, name: str) -> dict:
    spec = pod_spec(workload)
    found = [c for c in spec.get("containers", []) + spec.get("initContainers", [])
             if c["name"] == name]
    assert len(found) == 1, f"container {name} in {workload['metadata']['name']}"
    return found[0]


def env_of(c: dict) -> dict[str, dict]:
    return {e["name"]: e for e in c.get("env") or []}


def container_port(workload: dict, port) -> int:
    """Resolve a Service targetPort (number or name) against a pod template."""
    if isinstance(port, int):
        return port
    for c in pod_spec(workload)["containers"]:
        for p in c.get("ports") or []:
            if p.get("name") == port:
                return p["containerPort"]
    raise AssertionError(f"no container port named {port}")


def wave(obj: dict) -> str | None:
    return (obj["metadata"].get("annotations") or {}).get("argocd.argoproj.io/sync-wave")
