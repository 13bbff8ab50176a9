"""Resolve file paths of a generator configuration inside the kustomization root.

Paths are relative to the kustomization root. Absolute paths, `..` that
climb out of the root and symbolic links that point outside it are refused,
unless `KUSTGUARD_SOPS_ALLOW_OUTSIDE_ROOT=1` is set explicitly.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from kustguard.errors import InputError

ALLOW_OUTSIDE_ENV = "KUSTGUARD_SOPS_ALLOW_OUTSIDE_ROOT"


def outside_allowed(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return env.get(ALLOW_OUTSIDE_ENV, "") == "1"


def resolve(root: Path, reference: str, source: str, allow_outside: bool = False) -> Path:
    """The real path of `reference`, checked to be a regular file under `root`."""
    if "\0" in reference:
        raise InputError(f"{reference!r} contains a NUL byte", source)
    hint = f"keep encrypted files inside the kustomization root, or set {ALLOW_OUTSIDE_ENV}=1"
    candidate = Path(reference)
    if candidate.is_absolute() and not allow_outside:
        raise InputError(f"{reference}: absolute paths are refused", source, None, hint)
    if not allow_outside and ".." in PurePosixPath(reference.replace("\\", "/")).parts:
        normal = os.path.normpath(reference)
        if normal == ".." or normal.startswith("../"):
            raise InputError(f"{reference}: the path climbs out of the kustomization root",
                             source, None, hint)
    full = root / candidate
    try:
        real = full.resolve(strict=True)
    except FileNotFoundError:
        raise InputError(f"{reference}: no such file (relative to {root})", source) from None
    except (OSError, RuntimeError) as exc:
        raise InputError(f"{reference}: cannot resolve ({type(exc).__name__})", source) from None
    if not allow_outside:
        real_root = root.resolve()
        if real != real_root and real_root not in real.parents:
            raise InputError(f"{reference}: a symbolic link leads outside the kustomization "
                             "root", source, None, hint)
    if not real.is_file():
        raise InputError(f"{reference}: not a regular file", source)
    return real
