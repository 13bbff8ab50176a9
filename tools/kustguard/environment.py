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
    # (namespace, name) -> keys of Secrets created outside the manifests
    # (by the bootstrap, or by the software itself); None: keys not stated.
    external_secrets: dict[tuple[str, str], frozenset[str] | None] = \
        field(default_factory=dict)
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
    for key in ("storageClasses", "ingressClasses", "intents", "externalSecrets"):
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
        external_secrets=_external_secrets(doc.get("externalSecrets") or [], path),
        path=path,
    )


def _external_secrets(entries: list, path: Path) -> dict[tuple[str, str], frozenset[str] | None]:
    """``externalSecrets: [{namespace, name, keys, createdBy}]``: who creates each
    is required, so the declaration documents itself."""
    out: dict[tuple[str, str], frozenset[str] | None] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not all(
                isinstance(entry.get(k), str) and entry.get(k)
                for k in ("namespace", "name", "createdBy")):
            raise InputError(f"externalSecrets[{i}] needs namespace, name and createdBy",
                             path, 1, "say who creates the Secret in createdBy")
        keys = entry.get("keys")
        if keys is not None and not isinstance(keys, list):
            raise InputError(f"externalSecrets[{i}].keys must be a list", path, 1)
        out[(entry["namespace"], entry["name"])] = \
            frozenset(str(k) for k in keys) if keys is not None else None
    return out
