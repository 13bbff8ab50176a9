"""Entry points: what one run validates, and how each is read.

Without paths, the entry points are the folders holding a kustomization that
the `entry-points` globs of the settings match (default `overlays/*` and
`argocd/*`). A path given on the command line is taken as

- ``kustomization``: a folder holding a Kustomization (rendered by kustomize);
- ``component``: a folder holding a ``kind: Component`` (rendered on its own);
- ``folder``: a folder of plain YAML/JSON manifests, read recursively;
- ``file``: one YAML/JSON manifest file;
- ``stdin``: ``-``, a rendered stream (``kustomize build ... | kustguard validate -``).
"""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

from kustguard import yamlload
from kustguard.errors import InputError
from kustguard.kustomization import KUSTOMIZATION_NAMES, find_kustomization

KINDS = ("kustomization", "component", "folder", "file", "stdin")
# Kinds read as plain manifests, without kustomize.
PLAIN_KINDS = frozenset({"folder", "file", "stdin"})
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
# Folders a plain-folder walk never enters.
SKIPPED_FOLDERS = frozenset({".git", ".venv", ".tools", ".cache", "node_modules", "__pycache__"})


@dataclass(frozen=True)
class Entry:
    name: str  # repo-relative path, e.g. overlays/k3d ("-" for stdin)
    path: Path
    kind: str = "kustomization"
    # The stream read from stdin (kind "stdin" only).
    text: str = field(default="", compare=False, repr=False)

    @property
    def plain(self) -> bool:
        return self.kind in PLAIN_KINDS


def _excluded(rel: str, excludes: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(rel + "/", g) for g in excludes)


def discover(repo_root: Path, patterns: tuple[str, ...] | list[str] | None = None,
             excludes: tuple[str, ...] = ()) -> list[Entry]:
    """The entry points the globs match (default: the repository's settings)."""
    if patterns is None:
        from kustguard.config import load_config

        config = load_config(repo_root)
        patterns = config.entry_points
        excludes = (*excludes, *config.exclude)
    seen: dict[str, Entry] = {}
    root = repo_root.resolve()
    for pattern in patterns:
        pattern = pattern.strip().rstrip("/")
        if not pattern or Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            raise InputError(f"entry-points glob {pattern!r} must be relative to the repository",
                             hint='write it like "overlays/*"')
        matches = [root] if pattern == "." else sorted(root.glob(pattern))
        for folder in matches:
            rel = folder.relative_to(root).as_posix() if folder != root else "."
            if rel in seen or not folder.is_dir() or _excluded(rel, excludes):
                continue
            kustomization = find_kustomization(folder)
            if kustomization is not None:
                seen[rel] = Entry(rel, folder, _kustomization_kind(kustomization))
    return sorted(seen.values(), key=lambda e: e.name)


def _kustomization_kind(path: Path) -> str:
    try:
        docs = yamlload.load_file(path)
    except InputError:
        return "kustomization"  # rendering reports the problem with its line
    doc = docs[0][2] if docs else None
    return "component" if isinstance(doc, dict) and doc.get("kind") == "Component" else "kustomization"


def manifest_files(folder: Path) -> list[Path]:
    """The YAML/JSON files under a folder, recursively, in a stable order."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_FOLDERS)
        out += [Path(dirpath) / f for f in sorted(filenames)
                if f.endswith(MANIFEST_SUFFIXES) and f not in KUSTOMIZATION_NAMES]
    return out


def nested_kustomization(folder: Path) -> Path | None:
    """The first folder below `folder` holding a kustomization, or None."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_FOLDERS)
        if any(f in KUSTOMIZATION_NAMES for f in filenames):
            return Path(dirpath)
    return None


def entry_for_path(repo_root: Path, raw: str, stdin_text: str | None = None) -> Entry:
    """What one command-line path is taken as."""
    if raw == STDIN:
        return Entry(STDIN, Path(STDIN), "stdin", stdin_text or "")
    path = Path(raw)
    target = (path if path.is_absolute() else Path.cwd() / path).resolve()
    try:
        name = target.relative_to(repo_root.resolve()).as_posix() or "."
    except ValueError:
        name = str(target)
    if target.is_file() and target.name in KUSTOMIZATION_NAMES:
        target = target.parent
        name = str(Path(name).parent.as_posix())
    if target.is_dir():
        kustomization = find_kustomization(target)
        if kustomization is not None:
            return Entry(name, target, _kustomization_kind(kustomization))
        nested = nested_kustomization(target)
        if nested is not None:
            example = os.path.relpath(nested, Path.cwd())
            raise InputError(f"is not a kustomization folder, but {example} below it is", raw,
                             hint=f"give the kustomization folders (e.g. {example}), or set "
                                  "entry-points in the settings and give no path")
        if not manifest_files(target):
            raise InputError("holds no kustomization and no YAML or JSON files", raw,
                             hint="give a kustomization folder, a folder of manifests, a file or -")
        return Entry(name, target, "folder")
    if target.is_file():
        if not target.name.endswith(MANIFEST_SUFFIXES):
            raise InputError("is not a YAML or JSON file", raw,
                             hint="give a .yaml, .yml or .json manifest, a folder or -")
        return Entry(name, target, "file")
    raise InputError("no such file or folder", raw,
                     hint="give a kustomization folder, a folder of manifests, a file or -")


def entries_from_args(repo_root: Path, paths: list[str], stdin_text: str | None = None,
                      *, patterns: tuple[str, ...] | None = None,
                      excludes: tuple[str, ...] = ()) -> list[Entry]:
    if not paths:
        entries = discover(repo_root, patterns, excludes)
        if not entries:
            from kustguard.config import DEFAULT_ENTRY_POINTS

            globs = ", ".join(patterns or DEFAULT_ENTRY_POINTS)
            raise InputError(
                f"no entry points: no folder with a kustomization matches {globs}", repo_root,
                hint='set entry-points = ["<glob>", ...] in [tool.kustguard] or .kustguard.toml, '
                     "or give paths: kustguard validate PATH|-")
        return entries
    if paths.count(STDIN) > 1:
        raise InputError("- (stdin) is given twice", hint="read stdin once")
    return [entry_for_path(repo_root, raw, stdin_text) for raw in paths]
