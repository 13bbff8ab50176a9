"""Each entry point's dependencies, kept between hook runs.

kustomization.dependencies() reads every kustomization and every file an
entry point names (about 0.2 s for this repository's ten entry points); a
hook runs it on every commit. The result is stored with the identity of each
file and folder it was built from (inode, size, mtime, ctime): the next run
reuses it when none of them changed, and rebuilds it otherwise. A folder's
times change when a file is added to it or removed from it, so new files in
a kustomization folder are seen too. ctime cannot be set back by a program,
so an edited file is never mistaken for the one that was read.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from kustguard.cachedir import cache_dir
from kustguard.kustomization import Dependencies, dependencies

FORMAT = 1


def cache_file(repo_root: Path) -> Path:
    return cache_dir(repo_root) / "hooks" / "dependencies.json"


def _stamp(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


class DependencyCache:
    def __init__(self, repo_root: Path) -> None:
        self.path = cache_file(repo_root)
        self.changed = False
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.entries = data["entries"] if data.get("format") == FORMAT else {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.entries = {}

    def dependencies(self, entry_path: Path) -> Dependencies:
        """Like kustomization.dependencies(entry_path), from the cache when still true."""
        key = str(entry_path.resolve())
        saved = self.entries.get(key)
        if isinstance(saved, dict) and self._still_true(saved):
            return Dependencies(files={Path(p) for p in saved["files"]},
                                folders={Path(p) for p in saved["folders"]},
                                remote=list(saved["remote"]))
        deps = dependencies(entry_path)
        paths = sorted(str(p) for p in deps.files | deps.folders)
        self.entries[key] = {
            "files": sorted(str(p) for p in deps.files),
            "folders": sorted(str(p) for p in deps.folders),
            "remote": list(deps.remote),
            "stamps": {p: _stamp(p) for p in paths},
        }
        self.changed = True
        return deps

    @staticmethod
    def _still_true(saved: dict) -> bool:
        stamps = saved.get("stamps")
        if not isinstance(stamps, dict) or not stamps:
            return False
        return all(_stamp(path) == stamp for path, stamp in stamps.items())

    def save(self) -> None:
        """Write the cache if it changed; a cache that cannot be written is skipped."""
        if not self.changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps({"format": FORMAT, "entries": self.entries}), encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            pass
