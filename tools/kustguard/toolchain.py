"""Where the external tools are, and the environment they run in.

Pinned tools are installed by `kustguard tools install` into the user's
cache folder (`$XDG_CACHE_HOME/kustguard/tools/bin`), or by this
repository's `make setup` into `<repo>/.tools/bin`; a tool found in either
wins over one on PATH. The venv's bin folder goes first on the
PATH of every kustomize run, so exec plugins such as `kustguard-sops` resolve.
"""
from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from kustguard.cachedir import tools_dir

TOOLS_DIR = ".tools/bin"
SHAPE_ONLY_ENV = "KUSTGUARD_SOPS_SHAPE_ONLY"


def venv_bin() -> Path:
    return Path(sys.executable).parent


TOOLS_DIR_ENV = "KUSTGUARD_TOOLS_DIR"
# What every message about a missing tool tells the user to run.
INSTALL_COMMAND = "kustguard tools install"


def tool_dirs(repo_root: Path) -> list[Path]:
    """Where pinned tools may be: an explicit folder, the repo being checked,
    and the checkout kustguard itself runs from (another repo using our hooks)."""
    dirs = [Path(os.environ[TOOLS_DIR_ENV])] if os.environ.get(TOOLS_DIR_ENV) else []
    dirs.append(repo_root / TOOLS_DIR)
    dirs.append(Path(__file__).resolve().parents[2] / TOOLS_DIR)
    dirs.append(tools_dir())
    return dirs


def find_tool(name: str, repo_root: Path) -> str | None:
    for folder in tool_dirs(repo_root):
        pinned = folder / name
        if pinned.is_file() and os.access(pinned, os.X_OK):
            return str(pinned)
    return shutil.which(name)


def tool_env(repo_root: Path, *, shape_only: bool) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(venv_bin()), *map(str, tool_dirs(repo_root)),
                                   env.get("PATH", "")])
    if shape_only:
        env[SHAPE_ONLY_ENV] = "1"
    else:
        env.pop(SHAPE_ONLY_ENV, None)
    return env


@dataclass(frozen=True)
class Renderer:
    """The command that renders a kustomization, and whether it runs exec plugins."""

    argv: tuple[str, ...]
    runs_exec_plugins: bool
    binary: str

    @property
    def identity(self) -> str:
        """Changes whenever the binary does: part of every cache key."""
        st = os.stat(self.binary)
        return f"{' '.join(self.argv)}|{st.st_size}|{st.st_mtime_ns}"


def find_renderer(repo_root: Path) -> Renderer | None:
    kustomize = find_tool("kustomize", repo_root)
    if kustomize:
        return Renderer((kustomize, "build", "--enable-alpha-plugins", "--enable-exec"), True,
                        kustomize)
    kubectl = shutil.which("kubectl")
    if kubectl:
        # kubectl's embedded kustomize has no --enable-exec: exec KRM functions
        # (the SOPS plugin) are silently dropped. The caller warns loudly.
        return Renderer((kubectl, "kustomize", "--enable-alpha-plugins"), False, kubectl)
    return None
