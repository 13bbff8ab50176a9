"""Errors of the SOPS plugin and the exit codes they map to.

Exit 2 (`kustguard.errors.InputError`): bad configuration or usage, such as
an unknown field, a path outside the kustomization root, a missing file.
Exit 1 (`SopsFileError`): an encrypted file that cannot be trusted or
opened: bad MAC, wrong key, tampered or malformed content.

Messages name files, keys and recipients, never a decrypted value.
"""
from __future__ import annotations

from pathlib import Path

EXIT_DECRYPTION_FAILED = 1


class SopsFileError(Exception):
    """An encrypted file failed to parse, authenticate or decrypt: exit 1."""

    def __init__(self, message: str, path: str | Path | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.hint = hint

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path is not None else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{hint}"
