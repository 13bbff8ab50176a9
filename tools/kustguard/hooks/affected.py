"""Which entry points a set of changed files affects.

An entry point (the entry-points setting: overlays/*, argocd/* by default)
is affected by a changed path when the path is one of the files its
kustomizations load, transitively (resources,
components, patches, generators and the files a generator config such as the
SOPS plugin's reads: kustomization.dependencies), or when it sits directly in
one of its kustomization folders (a file added or deleted there). Settings
and schemas change every verdict, so they affect every entry point.

An entry point whose kustomizations cannot be read is affected by any
change: rendering it reports the problem with its file and line.
Dependencies are kept between runs (depcache.py).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kustguard.discover import Entry, discover
from kustguard.errors import InputError
from kustguard.hooks.depcache import DependencyCache

# Repo-relative files and folders whose change affects every entry point.
SETTINGS_FILES = frozenset({"pyproject.toml", ".kustguard.toml"})
SETTINGS_FOLDERS = ("schemas/",)


@dataclass
class Impact:
    entries: list[Entry]
    affected: list[Entry] = field(default_factory=list)
    # entry name -> the changed path (or reason) that makes it affected
    why: dict[str, str] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)

    def summary(self, verb: str = "validating") -> str:
        n = len(self.changed)
        head = (f"{verb} {len(self.affected)} of {len(self.entries)} entry points "
                f"affected by {n} staged file{'s' * (n != 1)}")
        return f"{head}: {', '.join(e.name for e in self.affected)}" if self.affected else head


def affects_every_entry(rel: str) -> bool:
    return rel in SETTINGS_FILES or rel.startswith(SETTINGS_FOLDERS)


def _normalise(repo_root: Path, paths: Iterable[str]) -> dict[str, Path]:
    """Repo-relative POSIX name -> absolute resolved path, for every path in the repo."""
    out = {}
    for raw in paths:
        path = (repo_root / raw).resolve()
        try:
            rel = path.relative_to(repo_root).as_posix()
        except ValueError:
            continue
        out[rel] = path
    return out


def affected_entries(repo_root: Path, paths: Iterable[str],
                     entries: list[Entry] | None = None) -> Impact:
    """The entry points that the changed `paths` (relative to repo_root) affect."""
    repo_root = repo_root.resolve()
    changed = _normalise(repo_root, paths)
    impact = Impact(entries if entries is not None else discover(repo_root),
                    changed=sorted(changed))
    if not changed:
        return impact
    everything = next((rel for rel in sorted(changed) if affects_every_entry(rel)), None)
    graph = DependencyCache(repo_root)
    for entry in impact.entries:
        reason = None
        if everything is not None:
            reason = everything
        else:
            try:
                deps = graph.dependencies(entry.path)
            except InputError as exc:
                reason = f"its kustomizations do not load ({exc})"
            else:
                reason = next((rel for rel, path in sorted(changed.items())
                               if path in deps.files or path.parent in deps.folders), None)
        if reason is not None:
            impact.affected.append(entry)
            impact.why[entry.name] = reason
    graph.save()
    return impact
