"""The `ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]` value format.

Each value in a SOPS file is sealed on its own with AES-256-GCM under the
file's data key. The nonce is 32 random bytes (not GCM's usual 12) and the
additional authenticated data is the value's path in the tree, keys joined
by `:` with a trailing `:`, so a ciphertext moved to another key fails to
open. The MAC is sealed the same way with the file's `lastmodified` time as
additional data.
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ENCRYPTED_PREFIX = "ENC[AES256_GCM,"
TAG_SIZE = 16
KNOWN_TYPES = frozenset({"str", "int", "float", "bool", "bytes", "time", "comment"})

# sops matches greedily from the start of the string; so do we.
_ENCRYPTED = re.compile(r"^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]")


class CipherError(Exception):
    """A value could not be parsed or authenticated. Carries no plaintext."""


@dataclass(frozen=True)
class SealedValue:
    data: bytes
    iv: bytes
    tag: bytes
    kind: str


def looks_encrypted(text: str) -> bool:
    return text.startswith(ENCRYPTED_PREFIX)


def _b64(part: str, what: str) -> bytes:
    try:
        return base64.b64decode(part, validate=True)
    except (binascii.Error, ValueError):
        raise CipherError(f"the {what} is not valid base64") from None


def parse(text: str) -> SealedValue:
    """Parse an ENC[...] string; checks shape only, not authenticity."""
    match = _ENCRYPTED.match(text)
    if not match:
        raise CipherError("value is not in sops' ENC[AES256_GCM,...] format")
    data = _b64(match.group(1), "ciphertext")
    iv = _b64(match.group(2), "iv")
    tag = _b64(match.group(3), "tag")
    kind = match.group(4)
    if len(tag) != TAG_SIZE:
        raise CipherError("the GCM tag is not 16 bytes")
    if not iv:
        raise CipherError("the iv is empty")
    if kind not in KNOWN_TYPES:
        raise CipherError(f"unknown value type {kind!r}")
    return SealedValue(data, iv, tag, kind)


def open_value(text: str, key: bytes, additional_data: str) -> tuple[str, bytes]:
    """Authenticate and decrypt one value; returns (type, plaintext bytes)."""
    sealed = parse(text)
    decryptor = Cipher(algorithms.AES(key), modes.GCM(sealed.iv, sealed.tag)).decryptor()
    decryptor.authenticate_additional_data(additional_data.encode("utf-8", "surrogateescape"))
    try:
        plaintext = decryptor.update(sealed.data) + decryptor.finalize()
    except InvalidTag:
        raise CipherError("authentication failed (wrong key, tampered ciphertext, "
                          "or a value moved to another key)") from None
    return sealed.kind, plaintext


def seal_value(plaintext: bytes, kind: str, key: bytes, additional_data: str,
               iv: bytes) -> str:
    """Encrypt one value the way sops does (used by tests and benchmarks)."""
    encryptor = Cipher(algorithms.AES(key), modes.GCM(iv)).encryptor()
    encryptor.authenticate_additional_data(additional_data.encode("utf-8", "surrogateescape"))
    data = encryptor.update(plaintext) + encryptor.finalize()
    enc = base64.b64encode
    return (f"ENC[AES256_GCM,data:{enc(data).decode()},iv:{enc(iv).decode()},"
            f"tag:{enc(encryptor.tag).decode()},type:{kind}]")
