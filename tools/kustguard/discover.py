"""Entry points: the kustomizations that are rendered as a whole.

`overlays/<env>` (one per environment) and `argocd/<part>` (the Argo CD
install, projects and applications). Component folders inside an overlay are
rendered as part of it, not on their own.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kustguard.errors import InputError
from kustguard.kustomization import find_kustomization

ENTRY_ROOTS = ("overlays", "argocd")


@dataclass(frozen=True)
class Entry:
    name: str  # repo-relative path, e.g. overlays/k3d
    path: Path


def discover(repo_root: Path) -> list[Entry]:
    entries = []
    for root in ENTRY_ROOTS:
        base = repo_root / root
        if not base.is_dir():
            continue
        for folder in sorted(p for p in base.iterdir() if p.is_dir()):
            if find_kustomization(folder):
                entries.append(Entry(f"{root}/{folder.name}", folder))
    return entries


def entries_from_args(repo_root: Path, paths: list[str]) -> list[Entry]:
    if not paths:
        return discover(repo_root)
    out = []
    for raw in paths:
        path = Path(raw)
        folder = (path if path.is_absolute() else Path.cwd() / path).resolve()
        if not folder.is_dir() or find_kustomization(folder) is None:
            raise InputError("not a kustomization folder", raw,
                             hint="give a folder holding kustomization.yaml, e.g. overlays/k3d")
        try:
            name = str(folder.relative_to(repo_root.resolve()))
        except ValueError:
            name = str(folder)
        out.append(Entry(name, folder))
    return out
