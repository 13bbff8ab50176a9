"""No private key is committed, except demo keys allow-listed with a reason.

Every file of the repository is searched for age identities
(``AGE-SECRET-KEY-1`` followed by the key), PEM private keys (``-----BEGIN
... PRIVATE KEY-----`` with a key body: RSA, EC, DSA, PKCS#8, encrypted,
OpenSSH, PGP private key blocks) and PuTTY private key files. A key published
on purpose for a demo is allowed when ``pyproject.toml`` lists its file with
a reason::

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

import re
import tomllib
from collections.abc import Iterator
from pathlib import PurePosixPath

from kustguard.checks import CheckContext
from kustguard.checks._sops_files import read_text, text_line
from kustguard.findings import Finding, Severity

ID = "private-key"
SEVERITY = Severity.ERROR
FAMILY = "secrets"
SCOPE = "repo"

PYPROJECT = "pyproject.toml"

AGE_KEY = re.compile(r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}")
PEM_HEADER = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----")
# A PEM header only counts with a key body after it (not a mention in docs).
PEM_BODY = re.compile(r"[A-Za-z0-9+/]{40,}")
PEM_BODY_WINDOW = 600
PUTTY = re.compile(r"^PuTTY-User-Key-File-\d+: .*$(?=[\s\S]*^Private-Lines: \d+)", re.M)


def find_keys(text: str) -> list[tuple[int, str]]:
    """(line, kind) of every private key in a text."""
    found = []
    for m in AGE_KEY.finditer(text):
        found.append((m.start(), "an age private key"))
    for m in PEM_HEADER.finditer(text):
        if PEM_BODY.search(text, m.end(), m.end() + PEM_BODY_WINDOW):
            found.append((m.start(), f"a PEM private key ({m.group(1)})"))
    for m in PUTTY.finditer(text):
        found.append((m.start(), "a PuTTY private key"))
    return [(text.count("\n", 0, at) + 1, kind) for at, kind in sorted(found)]


def demo_keys(ctx: CheckContext) -> tuple[dict[str, str], list[Finding]]:
    """Allowed demo key files (path -> reason), and findings about the list."""
    text = read_text(ctx.repo_root, PYPROJECT)
    if text is None:
        return {}, []
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}, []
    entries = config.get("tool", {}).get("kustguard", {}).get("demo-keys") or []
    allowed: dict[str, str] = {}
    findings = []
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        path = str(entry.get("path") or "").strip() if isinstance(entry, dict) else ""
        reason = str(entry.get("reason") or "").strip() if isinstance(entry, dict) else ""
        line = text_line(text, f'"{path}"') if path else text_line(text, "demo-keys")
        if not path:
            findings.append(ctx.report(
                None, f"demo-keys entry {i + 1} in {PYPROJECT} names no path",
                hint='write it as {path = "keys/demo.agekey", reason = "..."}', file=PYPROJECT, line=line))
        elif not reason:
            findings.append(ctx.report(
                None, f"demo-keys entry for {path!r} in {PYPROJECT} gives no reason, so the key is not allowed",
                hint="say why this key may be public (e.g. it only decrypts demo values)",
                file=PYPROJECT, line=line))
        else:
            allowed[str(PurePosixPath(path))] = reason
    return allowed, findings


def check(ctx: CheckContext) -> Iterator[Finding]:
    allowed, list_findings = demo_keys(ctx)
    yield from list_findings
    for rel in ctx.files:
        if str(PurePosixPath(rel)) in allowed:
            continue
        text = read_text(ctx.repo_root, rel)
        if not text or ("PRIVATE KEY" not in text and "AGE-SECRET-KEY-" not in text
                        and "PuTTY-User-Key-File" not in text):
            continue
        for line, kind in find_keys(text):
            yield ctx.report(
                None,
                f"{rel!r} contains {kind}",
                hint="remove it and rotate the key (git history keeps it); a key published on purpose "
                     f"goes in {PYPROJECT} [tool.kustguard] demo-keys with a reason",
                file=rel, line=line,
            )
