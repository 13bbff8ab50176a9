"""Pinned upstream files that stand in for a kustomization's remote resources.

A kustomization that takes a remote resource by URL (``argocd/install``
takes Argo CD's ``install.yaml`` from GitHub at a release tag) cannot be
rendered offline. Beside it, ``upstream.toml`` says where the same file
comes from in a Go module of the same tag, with checksums::

    [[remote]]
    url = "https://raw.githubusercontent.com/argoproj/argo-cd/v3.2.12/manifests/install.yaml"
    module = "github.com/argoproj/argo-cd/v3"
    version = "v3.2.12"
    file = "manifests/install.yaml"
    module-sum = "h1:..."   # the go.sum hash of the module zip
    sha256 = "..."          # of the file itself

``python -m kustguard.upstream fetch`` (run by this repository's setup target) downloads the
module with ``go mod download``: the Go tooling checks the zip against the
checksum database, this module checks ``module-sum`` and the file's
``sha256``. The module lives in Go's module cache, outside the repository.
Rendering then needs no network: the module is looked up with
``GOPROXY=off``, and :func:`mirror` builds a copy of the entry point's
layout (symbolic links to the real files, the kustomization with each URL
replaced by the pinned file) for kustomize to render. The committed
kustomization keeps its URL: it is what a cluster applies.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kustguard.errors import InputError
from kustguard.kustomization import _entries, find_kustomization, is_remote, read_kustomization

PINS_FILE = "upstream.toml"
GO_TIMEOUT_S = 600


class UpstreamUnavailable(Exception):
    """The pinned file is not in the module cache, or Go is missing."""


@dataclass(frozen=True)
class Pin:
    url: str
    module: str
    version: str
    file: str
    module_sum: str
    sha256: str
    source: Path  # the upstream.toml that declares it

    @property
    def module_at(self) -> str:
        return f"{self.module}@{self.version}"


def pins_for(folder: Path) -> list[Pin]:
    """The pins declared beside a kustomization (none when there is no upstream.toml)."""
    path = folder / PINS_FILE
    if not path.is_file():
        return []
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"invalid TOML: {exc}", path, hint="fix the file") from None
    pins = []
    for i, item in enumerate(doc.get("remote") or []):
        missing = [k for k in ("url", "module", "version", "file", "module-sum", "sha256")
                   if not isinstance(item.get(k), str) or not item.get(k)]
        if missing:
            raise InputError(f"[[remote]] #{i + 1} lacks {', '.join(missing)}", path,
                             hint="each [[remote]] needs url, module, version, file, "
                                  "module-sum and sha256")
        pins.append(Pin(item["url"], item["module"], item["version"], item["file"],
                        item["module-sum"], item["sha256"], path))
    return pins


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise UpstreamUnavailable("Go is not installed (needed to fetch pinned upstream files)")
    return go


def _download(pin: Pin, *, offline: bool) -> dict:
    env = dict(os.environ)
    env["GOFLAGS"] = "-mod=mod"
    if offline:
        env["GOPROXY"] = "off"
    try:
        proc = subprocess.run([_go(), "mod", "download", "-json", pin.module_at],
                              capture_output=True, text=True, env=env, timeout=GO_TIMEOUT_S,
                              cwd=Path(__file__).parent)
    except subprocess.TimeoutExpired:
        raise UpstreamUnavailable(f"go mod download {pin.module_at} took over "
                                  f"{GO_TIMEOUT_S}s") from None
    try:
        info = json.loads(proc.stdout or "{}")
    except ValueError:
        info = {}
    if proc.returncode != 0 or info.get("Error") or not info.get("Dir"):
        reason = info.get("Error") or (proc.stderr.strip().splitlines() or ["no output"])[-1]
        if offline:
            raise UpstreamUnavailable(f"{pin.module_at} is not in the Go module cache; "
                                      "run `python -m kustguard.upstream fetch` once with access to the module proxy")
        raise UpstreamUnavailable(f"go mod download {pin.module_at}: {reason}")
    return info


def locate(pin: Pin, *, offline: bool = True) -> Path:
    """The pinned file in the module cache, checksums verified."""
    info = _download(pin, offline=offline)
    if info.get("Sum") != pin.module_sum:
        raise UpstreamUnavailable(f"{pin.module_at} has checksum {info.get('Sum')}, not the "
                                  f"pinned {pin.module_sum} ({pin.source.name})")
    path = Path(info["Dir"]) / pin.file
    if not path.is_file():
        raise UpstreamUnavailable(f"{pin.module_at} has no file {pin.file}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != pin.sha256:
        raise UpstreamUnavailable(f"{pin.module_at}/{pin.file} has sha256 {digest}, not the "
                                  f"pinned {pin.sha256}")
    return path


def _link(link: Path, target: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        if link.is_symlink() and link.resolve() == target.resolve():
            return
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        else:
            link.unlink()
    link.symlink_to(target)


def mirror(entry: Path, repo_root: Path, into: Path, pins: list[Pin]) -> Path:
    """The entry point's layout under ``into``, renderable offline; returns
    the mirrored entry folder.

    Every file of the entry folder and every folder it reaches with ``../``
    are symbolic links to the real ones (so kustomize's origin paths resolve
    back into the repository); the kustomization is a copy with each pinned
    URL replaced by a link to the verified file in the module cache.
    Rendering it needs ``--load-restrictor LoadRestrictionsNone`` (the links
    lead out of the mirror).
    """
    entry, repo_root = entry.resolve(), repo_root.resolve()
    kfile = find_kustomization(entry)
    if kfile is None:
        raise InputError("no kustomization.yaml here", entry)
    rel = entry.relative_to(repo_root)
    target = into / rel
    target.mkdir(parents=True, exist_ok=True)
    by_url = {p.url: p for p in pins}
    text = kfile.read_text(encoding="utf-8")
    doc = read_kustomization(kfile)
    for item in _entries(doc):
        if is_remote(item):
            pin = by_url.get(item)
            if pin is None:
                raise UpstreamUnavailable(f"remote resource {item} has no pin in {PINS_FILE}")
            local = f"upstream/{pin.module.replace('/', '_')}@{pin.version}/{pin.file}"
            _link(target / local, locate(pin))
            text = text.replace(item, local)
            continue
        real = (entry / item).resolve()
        if real.is_dir() and not real.is_relative_to(entry):
            if not real.is_relative_to(repo_root):
                raise InputError(f"{item!r} leads out of the repository", kfile)
            _link(into / real.relative_to(repo_root), real)
    for child in entry.iterdir():
        if child.name != kfile.name and child.name != "upstream":
            _link(target / child.name, child)
    (target / kfile.name).unlink(missing_ok=True)
    (target / kfile.name).write_text(text, encoding="utf-8")
    return target


def fetch(folders: list[Path]) -> int:
    """Download and verify every pin of ``folders``; one line each."""
    failed = 0
    for folder in folders:
        for pin in pins_for(folder):
            try:
                path = locate(pin, offline=False)
            except UpstreamUnavailable as exc:
                print(f"kustguard upstream: {pin.source}: {exc}", file=sys.stderr)
                failed += 1
                continue
            print(f"kustguard upstream: {pin.module_at} {pin.file} verified "
                  f"(sha256 {pin.sha256[:12]}) at {path}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "fetch":
        print("usage: python -m kustguard.upstream fetch [FOLDER...]", file=sys.stderr)
        return 2
    root = Path.cwd()
    folders = [Path(a) for a in args[1:]] or sorted(p.parent for p in root.glob(f"*/*/{PINS_FILE}"))
    try:
        return fetch(folders)
    except InputError as exc:
        print(f"kustguard upstream: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
