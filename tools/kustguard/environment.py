"""What an environment declares about its cluster, in `<overlay>/environment.yaml`.

Checks compare rendered objects with these facts (a StorageClass the cluster
provides, an IngressClass it runs, the Kubernetes version, intents about
network reachability).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kustguard import yamlload
from kustguard.errors import InputError

ENVIRONMENT_FILE = "environment.yaml"
ENVIRONMENT_API = "kustguard.io/v1"
ENVIRONMENT_KIND = "Environment"


@dataclass
class Environment:
    name: str
    kubernetes_version: str
    storage_classes: list[str] = field(default_factory=list)
    ingress_classes: list[str] = field(default_factory=list)
    # Raw intent entries; the network-policy module parses them.
    intents: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None


def load_environment(entry: Path, name: str, default_version: str) -> Environment:
    path = entry / ENVIRONMENT_FILE
    if not path.is_file():
        return Environment(name=name, kubernetes_version=default_version)
    docs = yamlload.load_file(path)
    if len(docs) != 1 or not isinstance(docs[0][2], dict):
        raise InputError("must hold one Environment mapping", path, 1)
    doc = docs[0][2]
    if doc.get("apiVersion") != ENVIRONMENT_API or doc.get("kind") != ENVIRONMENT_KIND:
        raise InputError(
            f"expected apiVersion {ENVIRONMENT_API} and kind {ENVIRONMENT_KIND}", path, 1)
    for key in ("storageClasses", "ingressClasses", "intents"):
        if not isinstance(doc.get(key) or [], list):
            raise InputError(f"{key} must be a list", path, 1, f"write {key}: as a YAML list")
    version = str(doc.get("kubernetesVersion") or default_version)
    if not version.replace(".", "").isdigit() or version.count(".") != 1:
        raise InputError(f"kubernetesVersion {version!r} is not MAJOR.MINOR", path, 1,
                         'write it like "1.32"')
    return Environment(
        name=name,
        kubernetes_version=version,
        storage_classes=[str(s) for s in doc.get("storageClasses") or []],
        ingress_classes=[str(s) for s in doc.get("ingressClasses") or []],
        intents=list(doc.get("intents") or []),
        settings=dict(doc.get("settings") or {}),
        path=path,
    )
