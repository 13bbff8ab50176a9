"""Findings of unchanged inputs, kept between runs.

An overlay whose render key (every file it loads), settings and kustguard
code are unchanged gets the same findings: they are read back instead of
parsing and checking again. Repo-wide checks are keyed by every repo file.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import kustguard
from kustguard.findings import Finding


def code_fingerprint(repo_root: Path) -> str:
    """Changes with any kustguard module or committed schema."""
    h = hashlib.sha256(kustguard.__version__.encode())
    roots = [Path(kustguard.__file__).parent, repo_root / "schemas"]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".json", ".yaml") and path.is_file():
                st = path.stat()
                h.update(f"{path}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()


def files_digest(repo_root: Path, files: list[str]) -> str:
    h = hashlib.sha256()
    for rel in files:
        h.update(rel.encode() + b"\0")
        try:
            h.update(hashlib.sha256((repo_root / rel).read_bytes()).digest())
        except OSError:
            h.update(b"unreadable")
    return h.hexdigest()


@dataclass
class Cached:
    findings: list[Finding]
    suppressed: int
    objects: int


class FindingsCache:
    def __init__(self, cache_dir: Path, enabled: bool = True) -> None:
        self.folder = cache_dir / "findings"
        self.enabled = enabled

    @staticmethod
    def key(*parts: str) -> str:
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def get(self, key: str) -> Cached | None:
        if not self.enabled:
            return None
        try:
            doc = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            return Cached([Finding.from_dict(f) for f in doc["findings"]], doc["suppressed"],
                          doc["objects"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, findings: list[Finding], suppressed: int, objects: int) -> None:
        if not self.enabled:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{key}.json"
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps({"findings": [f.to_dict() for f in findings],
                                   "suppressed": suppressed, "objects": objects}),
                       encoding="utf-8")
        tmp.replace(target)
