"""Atomic file replacement that refuses to overwrite a concurrent change.

Each file is read once into a `Snapshot` (its bytes and their hash). Writing
puts the new bytes in a hidden temporary file in the same folder, fsyncs it,
checks that the file on disk still holds the snapshot's bytes, and renames
the temporary file over it (`os.replace`, atomic on POSIX). A crash at any
point leaves either the old or the new file, never a mix. When one run
replaces several files and a later rename fails, the files already replaced
get their old bytes back.

What remains: a change landing between the last check and the rename (a
window of microseconds) is overwritten; editors that do not lock cannot be
stopped from that.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kustguard.errors import InputError

TEMP_PREFIX = ".kustguard-edit-"


class ConcurrentChange(InputError):
    """A file changed on disk between reading and writing it: exit 2."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    display: str
    data: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def text(self) -> str:
        from kustguard import yamlload

        return yamlload.decode(self.data, self.display)


def read(path: Path, display: str) -> Snapshot:
    try:
        return Snapshot(path, display, path.read_bytes())
    except FileNotFoundError:
        raise InputError("no such file", display) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", display) from None


def _current_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def ensure_unchanged(snapshot: Snapshot) -> None:
    if _current_digest(snapshot.path) != snapshot.digest:
        raise ConcurrentChange("changed on disk since it was read; nothing written",
                               snapshot.display, hint="re-run the command on the new content")


def _write_temp(folder: Path, data: bytes, mode: int) -> Path:
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, mode)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def replace_all(changes: list[tuple[Snapshot, bytes]]) -> None:
    """Write each snapshot's file with its new bytes, or none of them.

    Raises ConcurrentChange, naming the file, if any file no longer holds the
    bytes it was read with; nothing is written then.
    """
    for snapshot, _ in changes:
        ensure_unchanged(snapshot)
    temps: list[Path] = []
    try:
        for snapshot, data in changes:
            mode = snapshot.path.stat().st_mode & 0o7777
            temps.append(_write_temp(snapshot.path.parent, data, mode))
        for snapshot, _ in changes:  # again, now that the slow part is done
            ensure_unchanged(snapshot)
        done: list[Snapshot] = []
        try:
            for (snapshot, _), temp in zip(changes, temps):
                os.replace(temp, snapshot.path)
                done.append(snapshot)
        except BaseException:
            for snapshot in done:  # put back what this run already replaced
                restore = _write_temp(snapshot.path.parent, snapshot.data,
                                      snapshot.path.stat().st_mode & 0o7777)
                os.replace(restore, snapshot.path)
            raise
        for folder in {s.path.parent for s, _ in changes}:
            _fsync_folder(folder)
    finally:
        for temp in temps:
            temp.unlink(missing_ok=True)
