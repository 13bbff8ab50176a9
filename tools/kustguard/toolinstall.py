"""`kustguard tools install`: the pinned kustomize and kubeconform, built with Go.

The versions come from the package's ``data/versions.env`` (the one place
they are written; this repository's Makefile reads the same file). Tools go
to the user's cache folder (``$XDG_CACHE_HOME/kustguard/tools/bin``), where
every kustguard run looks for them, or to ``--bin-dir``. A binary already
there at the pinned version is kept. Without Go, one line says what still
works.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kustguard.cachedir import tools_dir
from kustguard.errors import EXIT_CLEAN, ToolMissing

INSTALL_TIMEOUT_S = 1800


@dataclass(frozen=True)
class Tool:
    name: str
    package: str      # what `go install` builds
    module: str       # the module whose version the binary records
    version_key: str  # its variable in versions.env


TOOLS = (
    Tool("kustomize", "sigs.k8s.io/kustomize/kustomize/v5", "sigs.k8s.io/kustomize/kustomize/v5",
         "KUSTOMIZE_VERSION"),
    Tool("kubeconform", "github.com/yannh/kubeconform/cmd/kubeconform", "github.com/yannh/kubeconform",
         "KUBECONFORM_VERSION"),
)
WITHOUT_GO = ("still works: the Python schema backend, and rendering with 'kubectl kustomize' when "
              "kubectl is installed (it skips exec plugins, so SOPS Secrets are missing)")


def pinned_versions() -> dict[str, str]:
    text = resources.files("kustguard").joinpath("data/versions.env").read_text(encoding="utf-8")
    return dict(m.groups() for m in re.finditer(r"^([A-Z_]+)=(\S+)\s*$", text, re.M))


def installed_version(go: str, binary: Path, module: str) -> str | None:
    """The module version Go recorded in a binary, or None."""
    try:
        proc = subprocess.run([go, "version", "-m", str(binary)], capture_output=True, text=True,
                              timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(rf"^\s+mod\s+{re.escape(module)}\s+(\S+)", proc.stdout, re.M)
    return m.group(1) if m else None


def install(bin_dir: Path | None = None, out=sys.stderr) -> int:
    bin_dir = bin_dir or tools_dir()
    versions = pinned_versions()
    go = shutil.which("go")
    missing = [t for t in TOOLS if not (bin_dir / t.name).is_file()]
    if go is None:
        if not missing:
            print(f"kustguard: kustomize and kubeconform are in {bin_dir} (Go is not installed, so "
                  "their versions are not checked)", file=out)
            return EXIT_CLEAN
        raise ToolMissing(f"Go is not installed, so {' and '.join(t.name for t in missing)} cannot be "
                          f"built; {WITHOUT_GO}", hint="install Go >= 1.22, then run "
                                                      "'kustguard tools install' again")
    bin_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOBIN": str(bin_dir), "GOFLAGS": "-mod=mod"}
    for tool in TOOLS:
        want = versions[tool.version_key]
        binary = bin_dir / tool.name
        if binary.is_file() and installed_version(go, binary, tool.module) == want:
            print(f"kustguard: {tool.name} {want} is installed ({binary})", file=out)
            continue
        print(f"kustguard: installing {tool.name} {want} into {bin_dir} (go install)", file=out)
        try:
            proc = subprocess.run([go, "install", f"{tool.package}@{want}"], env=env,
                                  capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise ToolMissing(f"go install {tool.name} took over {INSTALL_TIMEOUT_S}s",
                              hint="run 'kustguard tools install' again") from None
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            raise ToolMissing(f"go install {tool.package}@{want} failed: {last}; {WITHOUT_GO}",
                              hint="check the network access to the Go module proxy, then run "
                                   "'kustguard tools install' again")
    return EXIT_CLEAN


def where(repo_root: Path) -> list[tuple[str, str]]:
    """(tool, path or 'missing') as a run would find them."""
    from kustguard.toolchain import find_tool

    return [(t.name, find_tool(t.name, repo_root) or "missing") for t in TOOLS]
