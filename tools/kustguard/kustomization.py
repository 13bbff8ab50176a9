"""Kustomization files: where they are, what they load, what is remote.

The dependency graph built here serves the render cache (an overlay's key is
the content of every local file it loads) and pre-commit (which overlays a
staged file affects).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kustguard import yamlload
from kustguard.errors import InputError

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")

# Fields whose entries are paths (files or kustomization folders) or URLs.
_PATH_LIST_FIELDS = ("resources", "components", "bases", "crds", "generators",
                     "transformers", "validators", "patchesStrategicMerge", "configurations")
_REMOTE = re.compile(r"^(https?://|git@|ssh://|github\.com/|gitlab\.com/|bitbucket\.org/)|\?ref=|//")


def find_kustomization(folder: Path) -> Path | None:
    for name in KUSTOMIZATION_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def is_remote(entry: str) -> bool:
    return bool(_REMOTE.search(entry))


@dataclass
class Dependencies:
    files: set[Path] = field(default_factory=set)
    folders: set[Path] = field(default_factory=set)
    remote: list[str] = field(default_factory=list)


def read_kustomization(path: Path) -> dict[str, Any]:
    docs = yamlload.load_file(path)
    if not docs:
        return {}
    if len(docs) > 1 or not isinstance(docs[0][2], dict):
        raise InputError("a kustomization must be one YAML mapping", path, docs[0][1])
    return docs[0][2]


def _entries(doc: dict[str, Any]) -> Iterable[str]:
    for name in _PATH_LIST_FIELDS:
        value = doc.get(name) or []
        if isinstance(value, list):
            for item in value:
                # patchesStrategicMerge may hold a patch inline instead of a path.
                if isinstance(item, str) and "\n" not in item:
                    yield item
    for patch in (doc.get("patches") or []) + (doc.get("patchesJson6902") or []):
        if isinstance(patch, dict) and isinstance(patch.get("path"), str):
            yield patch["path"]
    for replacement in doc.get("replacements") or []:
        if isinstance(replacement, dict) and isinstance(replacement.get("path"), str):
            yield replacement["path"]
    for gen_field in ("configMapGenerator", "secretGenerator"):
        for gen in doc.get(gen_field) or []:
            if not isinstance(gen, dict):
                continue
            for item in (gen.get("files") or []) + (gen.get("envs") or []):
                if isinstance(item, str):
                    yield item.split("=", 1)[-1]
            if isinstance(gen.get("env"), str):
                yield gen["env"]
    openapi = doc.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        yield openapi["path"]
    helm = doc.get("helmGlobals")
    if isinstance(helm, dict) and isinstance(helm.get("chartHome"), str):
        yield helm["chartHome"]


def plugin_files(config_path: Path) -> Iterable[Path]:
    """Files a generator config (such as the SOPS plugin's) reads."""
    try:
        docs = yamlload.load_file(config_path)
    except InputError:
        return
    for _, _, doc in docs:
        if not isinstance(doc, dict):
            continue
        listed = list(doc.get("files") or [])
        for entry in doc.get("secretFrom") or []:
            if isinstance(entry, dict):
                for key in ("files", "binaryFiles", "envs"):
                    listed.extend(entry.get(key) or [])
        for item in listed:
            if isinstance(item, str):
                yield (config_path.parent / item.split("=", 1)[-1]).resolve()


def dependencies(folder: Path, _seen: set[Path] | None = None) -> Dependencies:
    """Every local file a kustomization folder loads, transitively.

    Conservative: each kustomization folder counts as a whole (every file
    directly in it), plus each file it names anywhere; remote entries are
    collected, not followed.
    """
    folder = folder.resolve()
    seen = _seen if _seen is not None else set()
    deps = Dependencies()
    if folder in seen:
        return deps
    seen.add(folder)
    kfile = find_kustomization(folder)
    if kfile is None:
        raise InputError("no kustomization.yaml here", folder,
                         hint="create one, or point at a folder that has one")
    deps.folders.add(folder)
    deps.files.update(p for p in folder.iterdir() if p.is_file())
    doc = read_kustomization(kfile)
    # Only plugin configs read further files; other entries are plain manifests.
    plugin_configs = {e for name in ("generators", "transformers", "validators")
                      for e in (doc.get(name) or []) if isinstance(e, str)}
    for entry in _entries(doc):
        if is_remote(entry):
            deps.remote.append(entry)
            continue
        target = (folder / entry).resolve()
        if target.is_dir():
            sub = dependencies(target, seen)
            deps.files |= sub.files
            deps.folders |= sub.folders
            deps.remote += sub.remote
        elif target.is_file():
            deps.files.add(target)
            if entry in plugin_configs:
                deps.files.update(plugin_files(target))
        else:
            raise InputError(f"{entry!r} does not exist", kfile,
                             hint="fix the path or create the file")
    return deps
