"""The `images:` entries of an environment, wherever its kustomizations keep them.

An environment `overlays/<env>/` may set images at its own level or in any
component folder below it; every kustomization file under the folder counts.
An entry is identified by its `name` (the image as the bases reference it);
`newName` may differ between environments and is never promoted.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from kustguard.edit import atomic
from kustguard.edit import yamledit as ye
from kustguard.errors import InputError
from kustguard.kustomization import KUSTOMIZATION_NAMES

OVERLAYS = "overlays"
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$")


@dataclass(frozen=True)
class Pin:
    """What an environment runs of an image: a tag, a digest, or both."""

    tag: str | None = None
    digest: str | None = None

    def __str__(self) -> str:
        if self.tag and self.digest:
            return f"{self.tag}@{self.digest}"
        return self.tag or self.digest or "(no tag)"

    @property
    def short(self) -> str:
        """For commit messages: the tag, or the digest cut to 12 hex digits."""
        if self.tag:
            return self.tag
        if self.digest:
            algo, _, hexpart = self.digest.partition(":")
            return f"{algo}:{hexpart[:12]}"
        return "(no tag)"

    @property
    def empty(self) -> bool:
        return not self.tag and not self.digest


def check_pin(pin: Pin) -> None:
    if pin.tag is not None and not TAG.match(pin.tag):
        raise InputError(f"{pin.tag!r} is not a valid image tag",
                         hint="letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-'")
    if pin.digest is not None and not DIGEST.match(pin.digest):
        raise InputError(f"{pin.digest!r} is not a valid image digest",
                         hint="write it as sha256:<64 hex digits>")


@dataclass
class ImageEntry:
    snapshot: atomic.Snapshot
    index: int  # position in the file's images: list
    node: ye.Mapping
    name: str
    new_name: str | None
    pin: Pin
    line: int

    @property
    def where(self) -> str:
        return f"{self.snapshot.display}:{self.line}"


def env_folder(repo_root: Path, env: str) -> Path:
    folder = repo_root / OVERLAYS / env
    if "/" in env or not folder.is_dir():
        known = sorted(p.name for p in (repo_root / OVERLAYS).iterdir() if p.is_dir()) \
            if (repo_root / OVERLAYS).is_dir() else []
        raise InputError(f"no environment {env!r} (no folder {OVERLAYS}/{env})",
                         hint=f"one of: {', '.join(known)}" if known else "create overlays/<env>/")
    return folder


def kustomization_files(folder: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in KUSTOMIZATION_NAMES:
            if name in filenames:
                out.append(Path(dirpath) / name)
                break
    return sorted(out)


def _entries_of(snapshot: atomic.Snapshot) -> list[ImageEntry]:
    text = snapshot.text
    root = ye.locate(text, snapshot.display)
    if not isinstance(root, ye.Mapping):
        return []
    pair = root.get("images")
    if pair is None:
        return []
    images = ye.resolve(pair.value)
    if isinstance(images, ye.Scalar) and images.is_null:
        return []
    if not isinstance(images, ye.Sequence):
        raise InputError("images is not a list", snapshot.display,
                         ye.line_number(text, pair.key.start), "make it a list of entries")
    data = ye.plain_data(text, snapshot.display)["images"]
    out = []
    for index, item in enumerate(images.items):
        node = ye.resolve(item)
        if not isinstance(node, ye.Mapping) or not isinstance(data[index], dict):
            continue
        fields = {}
        for key in ("name", "newName", "newTag", "digest"):
            found = node.get(key)
            if found is not None:  # as written: a plain 1.10 stays "1.10"
                fields[key] = ye.scalar_value(found.value)
            else:  # inherited through a merge key, or absent
                inherited = data[index].get(key)
                fields[key] = None if inherited is None else str(inherited)
        if not fields["name"]:
            continue
        out.append(ImageEntry(snapshot, index, node, fields["name"], fields["newName"],
                              Pin(fields["newTag"], fields["digest"]),
                              ye.line_number(text, item.start)))
    return out


def read_env(repo_root: Path, env: str) -> list[ImageEntry]:
    """Every images: entry of the environment, in file order."""
    folder = env_folder(repo_root, env)
    entries = []
    for path in kustomization_files(folder):
        display = path.relative_to(repo_root).as_posix()
        entries += _entries_of(atomic.read(path, display))
    return entries


def by_name(entries: list[ImageEntry]) -> dict[str, list[ImageEntry]]:
    out: dict[str, list[ImageEntry]] = {}
    for entry in entries:
        out.setdefault(entry.name, []).append(entry)
    return out


def running(env: str, entries: list[ImageEntry]) -> Pin:
    """The one pin an environment's entries for an image agree on."""
    pins = {e.pin for e in entries}
    if len(pins) > 1:
        where = ", ".join(f"{e.where} ({e.pin})" for e in entries)
        raise InputError(f"{env} runs {entries[0].name} at different tags: {where}",
                         hint="make them agree, or give --tag/--digest")
    return entries[0].pin
