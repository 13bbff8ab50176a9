"""Where schemas live, for both backends.

Core schemas come from the kubernetes-validate package (strict variants, one
tree per Kubernetes minor version). Their references are absolute
(`/api/_definitions.json#...`), which only resolve inside that package's own
loader, so the tree is copied once into the cache with relative references;
kubeconform and the Python backend then read the very same files.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from kustguard.errors import InputError
from kustguard.resources import is_custom_group
from kustguard.schema import enums

# Files are named as kubeconform's {{.ResourceKind}}{{.KindSuffix}} template
# expects: lowercase kind, then -group-version (group's first label only).
CORE_TEMPLATE = "{kind}{suffix}.json"
# CRD schemas: {{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json.
CRD_TEMPLATE = "{group}/{kind}_{version}.json"
DEFINITIONS = "_definitions.json"


def kind_suffix(api_version: str) -> str:
    group, _, version = api_version.rpartition("/")
    if not group:
        return f"-{version}"
    return f"-{group.split('.')[0]}-{version}"


@dataclass(frozen=True)
class SchemaCatalog:
    core_dir: Path
    crd_dir: Path

    def core_path(self, api_version: str, kind: str) -> Path:
        return self.core_dir / CORE_TEMPLATE.format(kind=kind.lower(), suffix=kind_suffix(api_version))

    def crd_path(self, api_version: str, kind: str) -> Path:
        group, _, version = api_version.rpartition("/")
        return self.crd_dir / CRD_TEMPLATE.format(group=group, kind=kind.lower(), version=version)

    def path_for(self, api_version: str, kind: str) -> Path | None:
        group = api_version.rpartition("/")[0]
        # A dotted group that is not a Kubernetes one is a CRD.
        if is_custom_group(group):
            path = self.crd_path(api_version, kind)
            return path if path.is_file() else None
        path = self.core_path(api_version, kind)
        if path.is_file():
            return path
        crd = self.crd_path(api_version, kind)
        return crd if crd.is_file() else None

    def kubeconform_locations(self) -> list[str]:
        return [
            str(self.core_dir / "{{ .ResourceKind }}{{ .KindSuffix }}.json"),
            str(self.crd_dir / "{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"),
        ]


def _package_tree(version: str) -> Path:
    import kubernetes_validate  # imported here: only needed when building the tree

    root = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    tree = root / f"v{version}.0-local-strict"
    if not tree.is_dir():
        known = sorted(p.name.split("-")[0][1:].rsplit(".", 1)[0]
                       for p in root.glob("v*-local-strict"))
        raise InputError(
            f"no bundled schemas for Kubernetes {version}",
            hint=f"set kubernetesVersion to one of {', '.join(known)}",
        )
    return tree


def core_tree(cache_dir: Path, version: str) -> Path:
    """The relative-reference copy of the core schemas for a version, with
    the allowed values of Kubernetes' enum fields (enums.py)."""
    table, digest = enums.load_table(version)
    target = cache_dir / "schemas" / f"k8s-v{version}-strict{'-enums-' + digest if digest else ''}"
    done = target / ".complete"
    if done.is_file():
        return target
    source = _package_tree(version)
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    for path in source.glob("*.json"):
        text = path.read_text(encoding="utf-8").replace('"/api/_definitions.json#', '"_definitions.json#')
        doc = json.loads(text)
        doc.pop("$id", None)  # an absolute $id would re-root every relative reference
        if path.name == DEFINITIONS:
            enums.apply(doc.get("$defs") or {}, table)
        (tmp / path.name).write_text(json.dumps(doc), encoding="utf-8")
    (tmp / ".complete").write_text(version)
    try:
        tmp.rename(target)
    except OSError:  # another process won the race; its copy is identical
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def catalog_for(repo_root: Path, cache_dir: Path, version: str) -> SchemaCatalog:
    return SchemaCatalog(core_tree(cache_dir, version), repo_root / "schemas")
