"""Open one SOPS file: parse, find the data key, decrypt, verify the MAC.

Nothing is returned unless every value authenticated and the MAC matched;
a failure raises `SopsFileError` whose text names the file and the key
path, never a value. Without keys (shape-only mode) the structure is still
checked: metadata, recipients and the form of every encrypted value.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kustguard.sops import cipher, formats
from kustguard.sops.errors import SopsFileError
from kustguard.sops.keys import KeyRing, open_data_key
from kustguard.sops.metadata import Metadata, parse_metadata
from kustguard.sops.tree import Branch, LeafError, check_shapes, decrypt_tree, macs_equal

# Kubernetes caps a Secret at 1 MiB; an encrypted file several times that
# is a mistake or an attack, and is refused before it is read.
MAX_FILE_BYTES = 4 * 1024 * 1024


@dataclass
class OpenedFile:
    path: str
    format: str
    branches: list[Branch]  # decrypted, or still encrypted in shape-only mode
    metadata: Metadata

    def plaintext(self) -> bytes:
        """The decrypted file as `sops decrypt` prints it."""
        return formats.emit_plain(self.format, self.branches)


def read_limited(path: Path, label: str, limit: int = MAX_FILE_BYTES) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise SopsFileError(f"the file is {size} bytes, over the {limit} byte limit", label)
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise SopsFileError(f"cannot read the file: {exc.strerror or type(exc).__name__}",
                            label) from None
    if len(raw) > limit:
        raise SopsFileError(f"the file is over the {limit} byte limit", label)
    return raw


def parse_file(raw: bytes, label: str, fmt: str | None = None) -> tuple[formats.EncryptedFile, Metadata]:
    fmt = fmt or formats.format_for_path(label)
    encrypted = formats.load_encrypted(raw, fmt, label)
    return encrypted, parse_metadata(encrypted.metadata, label)


def decrypt_bytes(raw: bytes, label: str, ring: KeyRing, fmt: str | None = None,
                  check: Callable[[Metadata], None] | None = None) -> OpenedFile:
    """Decrypt and verify; `check` may refuse the file on its metadata first."""
    encrypted, metadata = parse_file(raw, label, fmt)
    if check is not None:
        check(metadata)
    if not metadata.mac:
        raise SopsFileError("the file has no MAC: it was not written by sops or the MAC "
                            "was removed", label, hint="re-encrypt it with sops")
    data_key = open_data_key(metadata, ring, label)
    try:
        result = decrypt_tree(encrypted.branches, metadata.rules, data_key)
    except LeafError as exc:
        raise SopsFileError(f"cannot decrypt {exc}", label,
                            hint="the value was tampered with or encrypted with another "
                                 "data key") from None
    try:
        kind, stored = cipher.open_value(metadata.mac, data_key, metadata.lastmodified)
    except cipher.CipherError:
        raise SopsFileError("the MAC does not decrypt: the file's lastmodified or MAC was "
                            "altered", label, hint="re-encrypt it with sops") from None
    if not macs_equal(result.mac, stored.decode("ascii", "replace")):
        raise SopsFileError("MAC mismatch: the file was modified after encryption", label,
                            hint="re-encrypt it with sops")
    return OpenedFile(label, encrypted.format, result.branches, metadata)


def decrypt_file(path: Path, label: str, ring: KeyRing,
                 check: Callable[[Metadata], None] | None = None) -> OpenedFile:
    return decrypt_bytes(read_limited(path, label), label, ring, check=check)


def inspect_file(path: Path, label: str) -> OpenedFile:
    """Shape-only: parse and check the file without any key."""
    encrypted, metadata = parse_file(read_limited(path, label), label)
    if not metadata.mac:
        raise SopsFileError("the file has no MAC: it was not written by sops or the MAC "
                            "was removed", label, hint="re-encrypt it with sops")
    try:
        cipher.parse(metadata.mac)
        check_shapes(encrypted.branches, metadata.rules)
    except (cipher.CipherError, LeafError) as exc:
        raise SopsFileError(f"malformed encrypted value at {exc}", label) from None
    return OpenedFile(label, encrypted.format, encrypted.branches, metadata)


def shape_only_requested(env: os._Environ[str] | dict[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return env.get("KUSTGUARD_SOPS_SHAPE_ONLY", "") == "1"
