"""Where kustguard keeps what it can recompute: renders, findings, schemas, hook data.

``$KUSTGUARD_CACHE_DIR`` when set (used as is), else
``$XDG_CACHE_HOME/kustguard/<repo key>`` (``~/.cache`` without
XDG_CACHE_HOME): nothing is written into the repository being checked. The
key is the repository folder's name and a hash of its absolute path, so two
checkouts never share a folder. Imported by the hooks too: keep it light.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

CACHE_ENV = "KUSTGUARD_CACHE_DIR"


def user_cache_home() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"


def repo_key(repo_root: Path) -> str:
    resolved = str(repo_root.resolve())
    digest = hashlib.sha256(resolved.encode()).hexdigest()[:12]
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in repo_root.resolve().name)
    return f"{name or 'root'}-{digest}"


def cache_dir(repo_root: Path) -> Path:
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    return user_cache_home() / "kustguard" / repo_key(repo_root)


def tools_dir() -> Path:
    """Where `kustguard tools install` puts the pinned tools (shared by every repository)."""
    return user_cache_home() / "kustguard" / "tools" / "bin"
