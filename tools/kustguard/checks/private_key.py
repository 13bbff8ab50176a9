"""No private key is committed, except demo keys allow-listed with a reason.

Every file of the repository is searched for age identities
(``AGE-SECRET-KEY-1`` followed by the key), PEM private keys (``-----BEGIN
... PRIVATE KEY-----`` with a key body: RSA, EC, DSA, PKCS#8, encrypted,
OpenSSH, PGP private key blocks) and PuTTY private key files, also when the
key is base64-encoded (a Secret's ``data`` or a ConfigMap's ``binaryData``).
Files are read as a stream of bytes: no size limit, and a binary file (NUL
bytes) is searched like any other. A key published
on purpose for a demo is allowed when ``pyproject.toml`` lists its file with
a reason (in ``.kustguard.toml``, or under ``[tool.kustguard]`` in
``pyproject.toml``)::

    [tool.kustguard]
    demo-keys = [{path = "keys/demo.agekey", reason = "decrypts the demo Secrets only"}]

An entry without a reason is itself a finding, and does not allow the key.
The key itself is never printed.

Passing::

    # keys/demo.agekey, listed in demo-keys with a reason
    # public key: age1w0z8...
    AGE-SECRET-KEY-1...

Failing::

    # deploy/id_ed25519, committed by mistake
    -----BEGIN OPENSSH PRIVATE KEY-----
    b3BlbnNzaC1rZXktdjEAAAAA...
"""
from __future__ import annotations

import base64
import binascii
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from kustguard.checks import RepoContext
from kustguard.checks._sops_files import read_text, text_line
from kustguard.findings import Finding, Severity

ID = "private-key"
SEVERITY = Severity.ERROR
FAMILY = "secrets"
SCOPE = "repo"

PYPROJECT = "pyproject.toml"
KUSTGUARD_TOML = ".kustguard.toml"

AGE_KEY = re.compile(rb"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}")
PEM_HEADER = re.compile(rb"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----")
# A PEM header only counts with a key body after it (not a mention in docs).
PEM_BODY = re.compile(rb"[A-Za-z0-9+/]{40,}")
PEM_BODY_WINDOW = 600
PUTTY = re.compile(rb"^PuTTY-User-Key-File-\d+: .*$(?=[\s\S]{0,8000}?^Private-Lines: \d+)", re.M)
# What starts a key in plain text; its base64 forms are searched for too.
KEY_STARTS = (b"-----BEGIN ", b"AGE-SECRET-KEY-1")
NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/=]")
# Base64 text decoded around an encoded key start: enough for a header and body.
BASE64_WINDOW = 4096
CHUNK = 1 << 20
# Bytes kept from one chunk to the next: more than any match needs.
OVERLAP = 16 * 1024


def _encoded_forms(marker: bytes) -> list[tuple[bytes, int]]:
    """The base64 text of `marker` at each of the three byte alignments, as
    (the characters that depend on the marker only, how many characters of
    the 4-character group come before them)."""
    forms = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + marker)
        first = -(-8 * shift // 6)             # ceil: first char made of marker bits only
        last = (8 * (shift + len(marker))) // 6  # chars fully inside the marker
        forms.append((encoded[first:last], first))
    return forms


ENCODED_STARTS = [form for marker in KEY_STARTS for form in _encoded_forms(marker)]


def _plain_keys(data: bytes) -> Iterator[tuple[int, str]]:
    for m in AGE_KEY.finditer(data):
        yield m.start(), "an age private key"
    for m in PEM_HEADER.finditer(data):
        if PEM_BODY.search(data, m.end(), m.end() + PEM_BODY_WINDOW):
            yield m.start(), f"a PEM private key ({m.group(1).decode()})"
    for m in PUTTY.finditer(data):
        yield m.start(), "a PuTTY private key"


def _decode_at(data: bytes, start: int) -> bytes:
    """The base64 text from `start` (whitespace inside it skipped), decoded."""
    window = re.sub(rb"\s+", b"", data[start:start + BASE64_WINDOW])
    end = NOT_BASE64.search(window)
    text = window[:end.start() if end else len(window)].rstrip(b"=")
    text = text[:len(text) - len(text) % 4]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return b""


def _encoded_keys(data: bytes) -> Iterator[tuple[int, str]]:
    for needle, before in ENCODED_STARTS:
        at = data.find(needle)
        while at >= 0:
            start = at - before
            if start >= 0:
                for _, kind in _plain_keys(_decode_at(data, start)):
                    yield start, f"a base64-encoded {kind.removeprefix('a ').removeprefix('an ')}"
                    break
            at = data.find(needle, at + 1)


def _keys_in(data: bytes) -> Iterator[tuple[int, str]]:
    yield from _plain_keys(data)
    yield from _encoded_keys(data)


def find_keys(text: str | bytes) -> list[tuple[int, str]]:
    """(line, kind) of every private key in a text."""
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    found = dict(_keys_in(data))
    return [(data.count(b"\n", 0, at) + 1, kind) for at, kind in sorted(found.items())]


def scan_file(path: Path) -> list[tuple[int, str]]:
    """(line, kind) of every private key in a file of any size, read in chunks."""
    found: dict[int, tuple[int, str]] = {}
    offset = lines = 0          # of buffer[0] in the file
    buffer = b""
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            buffer += chunk
            if any(m in buffer for m in (b"PRIVATE KEY", b"AGE-SECRET-KEY-", b"PuTTY-User-Key-File")) \
                    or any(n in buffer for n, _ in ENCODED_STARTS):
                for at, kind in _keys_in(buffer):
                    if offset + at not in found:
                        found[offset + at] = (lines + buffer.count(b"\n", 0, at) + 1, kind)
            if not chunk:
                break
            keep = max(0, len(buffer) - OVERLAP)
            lines += buffer.count(b"\n", 0, keep)
            offset += keep
            buffer = buffer[keep:]
    return [found[at] for at in sorted(found)]


def _settings(ctx: RepoContext) -> tuple[str, str, list]:
    """(file, its text, its demo-keys entries): .kustguard.toml, else pyproject.toml."""
    for name in (KUSTGUARD_TOML, PYPROJECT):
        text = read_text(ctx.repo_root, name)
        if text is None:
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue
        table = data if name == KUSTGUARD_TOML else data.get("tool", {}).get("kustguard", {})
        if table:
            entries = table.get("demo-keys") or []
            return name, text, entries if isinstance(entries, list) else []
    return PYPROJECT, "", []


def demo_keys(ctx: RepoContext) -> tuple[dict[str, str], list[Finding]]:
    """Allowed demo key files (path -> reason), and findings about the list."""
    name, text, entries = _settings(ctx)
    allowed: dict[str, str] = {}
    findings = []
    for i, entry in enumerate(entries):
        path = str(entry.get("path") or "").strip() if isinstance(entry, dict) else ""
        reason = str(entry.get("reason") or "").strip() if isinstance(entry, dict) else ""
        line = text_line(text, f'"{path}"') if path else text_line(text, "demo-keys")
        if not path:
            findings.append(ctx.report(
                None, f"demo-keys entry {i + 1} in {name} names no path",
                hint='write it as {path = "keys/demo.agekey", reason = "..."}', file=name, line=line))
        elif not reason:
            findings.append(ctx.report(
                None, f"demo-keys entry for {path!r} in {name} gives no reason, so the key is not allowed",
                hint="say why this key may be public (e.g. it only decrypts demo values)",
                file=name, line=line))
        else:
            allowed[str(PurePosixPath(path))] = reason
    return allowed, findings


def check(ctx: RepoContext) -> Iterator[Finding]:
    allowed, list_findings = demo_keys(ctx)
    yield from list_findings
    for rel in ctx.files:
        if str(PurePosixPath(rel)) in allowed:
            continue
        try:
            keys = scan_file(ctx.repo_root / rel)
        except OSError:
            continue
        for line, kind in keys:
            yield ctx.report(
                None,
                f"{rel!r} contains {kind}",
                hint="remove it and rotate the key (git history keeps it); a key published on purpose "
                     "goes in the settings' demo-keys with a reason",
                file=rel, line=line,
            )
