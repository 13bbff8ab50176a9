"""Find age identities the way sops does, and open a file's data key.

Sources, all read and combined: `SOPS_AGE_KEY` (the keys themselves),
`SOPS_AGE_KEY_FILE` (a file of keys), `SOPS_AGE_KEY_CMD` (a command that
prints keys), then `$XDG_CONFIG_HOME/sops/age/keys.txt` and
`~/.config/sops/age/keys.txt`. Blank lines and `#` comments are skipped.
Key material never appears in an error: a bad line is named by number.
"""
from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyrage

from kustguard.errors import InputError
from kustguard.sops.errors import SopsFileError
from kustguard.sops.metadata import Metadata

DATA_KEY_SIZE = 32
KEY_CMD_TIMEOUT = 30
MAX_KEY_FILE_BYTES = 1 << 20


@dataclass
class KeyRing:
    identities: list[pyrage.x25519.Identity] = field(default_factory=list)
    # Human-readable account of every place looked at, for error messages.
    searched: list[str] = field(default_factory=list)


def _parse(text: str, source: str) -> list[pyrage.x25519.Identity]:
    found = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not line.startswith("AGE-SECRET-KEY-1"):
            raise InputError(f"line {number} of {source} is not an age secret key "
                             "(only X25519 age identities are supported)")
        try:
            found.append(pyrage.x25519.Identity.from_str(line))
        except Exception:  # noqa: BLE001 - pyrage's error text would quote the key
            raise InputError(f"line {number} of {source} is not a valid age secret key") from None
    return found


def _read_file(path: Path, label: str, ring: KeyRing) -> None:
    try:
        if path.stat().st_size > MAX_KEY_FILE_BYTES:
            raise InputError(f"{label} {path} is larger than 1 MiB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        ring.searched.append(f"{label} {path} (missing)")
        return
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {label} {path}: {type(exc).__name__}") from None
    keys = _parse(text, f"{label} {path}")
    ring.identities.extend(keys)
    ring.searched.append(f"{label} {path} ({len(keys)} keys)")


def default_key_files(env: Mapping[str, str]) -> list[tuple[str, Path]]:
    files = []
    xdg = env.get("XDG_CONFIG_HOME")
    if xdg:
        files.append(("$XDG_CONFIG_HOME/sops/age/keys.txt", Path(xdg) / "sops" / "age" / "keys.txt"))
    home = env.get("HOME") or os.path.expanduser("~")
    if home and home != "~":
        path = Path(home) / ".config" / "sops" / "age" / "keys.txt"
        if not files or files[0][1] != path:
            files.append(("~/.config/sops/age/keys.txt", path))
    return files


def load_keyring(env: Mapping[str, str] | None = None) -> KeyRing:
    env = os.environ if env is None else env
    ring = KeyRing()
    inline = env.get("SOPS_AGE_KEY")
    if inline:
        keys = _parse(inline, "SOPS_AGE_KEY")
        ring.identities.extend(keys)
        ring.searched.append(f"SOPS_AGE_KEY ({len(keys)} keys)")
    else:
        ring.searched.append("SOPS_AGE_KEY (unset)")
    key_file = env.get("SOPS_AGE_KEY_FILE")
    if key_file:
        _read_file(Path(key_file), "SOPS_AGE_KEY_FILE", ring)
    else:
        ring.searched.append("SOPS_AGE_KEY_FILE (unset)")
    command = env.get("SOPS_AGE_KEY_CMD")
    if command:
        ring.identities.extend(_run_key_command(command, ring))
    for label, path in default_key_files(env):
        _read_file(path, label, ring)
    return ring


def _run_key_command(command: str, ring: KeyRing) -> list[pyrage.x25519.Identity]:
    try:
        argv = shlex.split(command)
        done = subprocess.run(argv, capture_output=True, timeout=KEY_CMD_TIMEOUT, check=False)
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"SOPS_AGE_KEY_CMD could not run: {type(exc).__name__}") from None
    if done.returncode != 0:
        raise InputError(f"SOPS_AGE_KEY_CMD exited with status {done.returncode}")
    keys = _parse(done.stdout.decode("utf-8", "replace"), "the output of SOPS_AGE_KEY_CMD")
    ring.searched.append(f"SOPS_AGE_KEY_CMD ({len(keys)} keys)")
    return keys


def open_data_key(metadata: Metadata, ring: KeyRing, path: str) -> bytes:
    """Decrypt the file's data key with the first age stanza a key opens."""
    if ring.identities:
        for stanza in metadata.age:
            try:
                key = pyrage.decrypt(stanza.enc.encode(), ring.identities)
            except Exception:  # noqa: BLE001 - no identity fits this stanza
                continue
            if len(key) != DATA_KEY_SIZE:
                raise SopsFileError("the decrypted data key is not 32 bytes", path)
            return key
    recipients = ", ".join(stanza.recipient for stanza in metadata.age)
    extra = ""
    if metadata.other_key_types:
        extra = f"; its {', '.join(metadata.other_key_types)} keys are not supported"
    raise SopsFileError(
        f"no age key fits: the file is encrypted to {recipients}{extra}; "
        f"looked in {'; '.join(ring.searched)}", path,
        hint="provide the matching key, for example with SOPS_AGE_KEY_FILE")
