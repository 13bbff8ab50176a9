"""What an environment declares about its cluster, in `<overlay>/environment.yaml`.

Checks compare rendered objects with these facts (a StorageClass the cluster
provides, an IngressClass it runs, the Kubernetes version, intents about
network reachability).

Network intents are said once, beside the component they describe: every
`intents.yaml` in a folder the overlay's kustomization loads (for example
`base/todo/intents.yaml`) applies to it, then the environment's own
`intents:` are added.
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
INTENTS_FILE = "intents.yaml"
INTENTS_KIND = "Intents"


@dataclass
class IntentFile:
    """The raw intent entries of one file, for the network-policy module."""

    path: Path
    entries: list[Any]


@dataclass
class Environment:
    name: str
    kubernetes_version: str
    storage_classes: list[str] = field(default_factory=list)
    ingress_classes: list[str] = field(default_factory=list)
    # Raw intent entries by file (components' first, then the environment's).
    intents: list[IntentFile] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    # (namespace, name) -> keys of Secrets created outside the manifests
    # (by the bootstrap, or by the software itself); None: keys not stated.
    external_secrets: dict[tuple[str, str], frozenset[str] | None] = \
        field(default_factory=dict)
    path: Path | None = None


def _mapping(path: Path, kind: str) -> dict[str, Any]:
    docs = yamlload.load_file(path)
    if len(docs) != 1 or not isinstance(docs[0][2], dict):
        raise InputError(f"must hold one {kind} mapping", path, 1)
    doc = docs[0][2]
    if doc.get("apiVersion") != ENVIRONMENT_API or doc.get("kind") != kind:
        raise InputError(f"expected apiVersion {ENVIRONMENT_API} and kind {kind}", path, 1)
    if not isinstance(doc.get("intents") or [], list):
        raise InputError("intents must be a list", path, 1, "write intents: as a YAML list")
    return doc


def component_intents(entry: Path) -> list[IntentFile]:
    """The intents.yaml of every folder the entry point's kustomization loads."""
    from kustguard.kustomization import dependencies

    try:
        folders = dependencies(entry).folders
    except InputError:
        return []  # the render reports what is wrong with the kustomization
    out = []
    for folder in sorted(folders):
        path = folder / INTENTS_FILE
        if path.is_file():
            out.append(IntentFile(path, list(_mapping(path, INTENTS_KIND).get("intents") or [])))
    return out


def load_environment(entry: Path, name: str, default_version: str) -> Environment:
    intents = component_intents(entry)
    path = entry / ENVIRONMENT_FILE
    if not path.is_file():
        return Environment(name=name, kubernetes_version=default_version, intents=intents)
    doc = _mapping(path, ENVIRONMENT_KIND)
    for key in ("storageClasses", "ingressClasses", "externalSecrets"):
        if not isinstance(doc.get(key) or [], list):
            raise InputError(f"{key} must be a list", path, 1, f"write {key}: as a YAML list")
    version = str(doc.get("kubernetesVersion") or default_version)
    if not version.replace(".", "").isdigit() or version.count(".") != 1:
        raise InputError(f"kubernetesVersion {version!r} is not MAJOR.MINOR", path, 1,
                         'write it like "1.32"')
    if doc.get("intents"):
        intents.append(IntentFile(path, list(doc["intents"])))
    return Environment(
        name=name,
        kubernetes_version=version,
        storage_classes=[str(s) for s in doc.get("storageClasses") or []],
        ingress_classes=[str(s) for s in doc.get("ingressClasses") or []],
        intents=intents,
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
