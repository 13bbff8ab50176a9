"""Every SOPS file is really encrypted, complete, and for the recipients .sops.yaml names.

For each file named ``*.sops.yaml``/``.yml``/``.json``/``.env``, and each file of
any other name or extension that carries sops metadata (YAML, JSON, sops's
binary JSON, dotenv):

- it has sops metadata with ``mac`` and ``version`` (without them sops refuses
  to decrypt it, or it was never encrypted at all);
- the values sops should have encrypted are ``ENC[AES256_GCM,...]``: every
  ``data``/``stringData`` value of a Secret, the values under keys matching the
  file's (or the rule's) ``encrypted_regex``, and, without such a regex, every
  value except keys ending in the unencrypted suffix; in a dotenv file, every
  value (they all become Secret data);
- it holds at least one encrypted value: a file whose rule encrypted nothing
  (an ``encrypted_regex`` that matched no key) is plaintext with sops metadata;
- its age recipients are exactly those of the creation rule sops would pick
  for it in the nearest ``.sops.yaml`` above it (the first rule whose
  ``path_regex`` matches its path relative to that file's folder), so that
  every holder of a rule's key can decrypt it and nobody else.
  The plugin refuses such a file at build time too (same rules module).

Files are read with the plugin's own reader (``kustguard.sops``): the same
formats, value typing, metadata parsing and ``.sops.yaml`` rule matching, so
the validator and the plugin never disagree about a file. A file the plugin
could not open (Shamir, no recipients, malformed metadata) is a finding too.

Only key names and public recipients are reported, never values.

Passing::

    # .sops.yaml
    creation_rules:
      - path_regex: .*\\.sops\\.ya?ml$
        encrypted_regex: ^(data|stringData)$
        age: age1w0z8...
    # base/db/credentials.sops.yaml
    kind: Secret
    stringData:
      password: ENC[AES256_GCM,data:...,iv:...,tag:...,type:str]
    sops:
      age: [{recipient: age1w0z8..., enc: ...}]
      mac: ENC[AES256_GCM,...]
      version: 3.11.0

Failing::

    # base/db/credentials.sops.yaml
    kind: Secret
    stringData:
      password: hunter2        # not encrypted
    sops:
      age: [{recipient: age1other..., enc: ...}]   # not the rule's recipient
      version: 3.11.0          # no mac
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kustguard.checks import RepoContext
from kustguard.checks._sops_files import SOPS_CONFIG, is_sops_name, read_text, text_line
from kustguard.errors import InputError
from kustguard.findings import Finding, ObjectRef, Severity
from kustguard.sops import cipher, formats, rules
from kustguard.sops.errors import SopsFileError
from kustguard.sops.metadata import Metadata, parse_metadata
from kustguard.sops.tree import Branch, EncryptionRules
from kustguard.sops.values import Comment

ID = "sops-file"
SEVERITY = Severity.ERROR
FAMILY = "secrets"
SCOPE = "repo"

ENCRYPT_HINT = "encrypt it in place with `sops -e -i <file>` (the rule in .sops.yaml picks the keys)"
# What a Kubernetes manifest keeps readable on purpose; an empty Secret (only
# these) has nothing to encrypt.
IDENTITY_FIELDS = frozenset({"apiVersion", "kind", "metadata", "type"})
DOTENV_METADATA = re.compile(r"^sops_(?:version|mac|lastmodified)=", re.MULTILINE)
_RULE_FIELDS = ("unencrypted_suffix", "encrypted_suffix", "unencrypted_regex", "encrypted_regex")


def sops_format(rel: str, text: str) -> str:
    """The format sops would use for the file's name; odd names by their content."""
    try:
        fmt = formats.format_for_path(Path(rel).name)
    except SopsFileError:
        return formats.BINARY  # .ini: sniffed below like any other name
    if fmt != formats.BINARY:
        return fmt
    if text.lstrip().startswith("{"):
        return formats.BINARY  # sops's binary format is JSON: {"data": ..., "sops": ...}
    if DOTENV_METADATA.search(text):
        return formats.DOTENV
    return formats.YAML


def may_hold_sops_metadata(text: str) -> bool:
    """A cheap filter before reading a file of any name."""
    return "sops" in text and ("ENC[AES256_GCM," in text or "mac" in text)


# --- where a path is in the text (the reader keeps no line numbers) -----------

def _document_starts(text: str) -> list[int]:
    starts, position = [0], 0
    for line in text.split("\n"):
        if line.startswith("---") and position:
            starts.append(position)
        position += len(line) + 1
    return starts


def _locate(f: "_File", doc: int, path: tuple) -> int:
    """1-based line of the last key of `path` in document `doc`; 1 when not found."""
    text = f.text
    if f.format == formats.DOTENV:
        key = next((p for p in path if isinstance(p, str)), "")
        match = re.search(rf"^{re.escape(key)}=", text, re.MULTILINE)
        return text.count("\n", 0, match.start()) + 1 if match else 1
    starts = _document_starts(text) if f.format == formats.YAML else [0]
    position = starts[doc] if doc < len(starts) else 0
    found = None
    for part in path:
        if not isinstance(part, str):
            continue
        key = re.escape(part)
        pattern = (rf'"{key}"\s*:' if f.format != formats.YAML
                   else rf"^[ \t]*(?:- )*(?:{key}|\"{key}\"|'{key}')[ \t]*:")
        match = re.compile(pattern, re.MULTILINE).search(text, position)
        if not match:
            break
        found, position = match.start(), match.end()
    return text.count("\n", 0, found) + 1 if found is not None else 1


# --- reading -------------------------------------------------------------------

@dataclass
class _File:
    rel: str
    text: str
    format: str
    branches: list[Branch]
    metadata: Any  # the raw `sops` block, or None


def _read(rel: str, text: str) -> _File:
    fmt = sops_format(rel, text)
    loaded = formats.load_tree(text.encode("utf-8", "surrogateescape"), fmt, rel)
    return _File(rel, text, fmt, loaded.branches, loaded.metadata)


def _leaves(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    if isinstance(value, Branch):
        for item in value:
            if isinstance(item.key, str):
                yield from _leaves(item.value, path + (item.key,))
    elif isinstance(value, list):
        for index, entry in enumerate(value):
            if not isinstance(entry, Comment):
                yield from _leaves(entry, path + (index,))
    else:
        yield path, value


def _rules_of(config: dict[str, Any]) -> EncryptionRules | None:
    """The encryption rules a .sops.yaml creation rule sets (None: sops's default)."""
    chosen = {name: config[name] for name in _RULE_FIELDS if isinstance(config.get(name), str)}
    if not chosen:
        return None
    encryption = EncryptionRules(**chosen)
    try:
        for name in ("unencrypted_regex", "encrypted_regex"):
            if getattr(encryption, name):
                re.compile(getattr(encryption, name))
    except re.error:
        return None
    return encryption


def _must_encrypt(path: tuple, kind: Any, fmt: str, own: EncryptionRules,
                  rule: EncryptionRules | None) -> bool:
    """Should sops have encrypted this value, by the file's rules or the repository's?"""
    keys = [p for p in path if isinstance(p, str)]
    if fmt == formats.DOTENV:
        return True  # every variable becomes Secret data
    if kind == "Secret" and keys and keys[0] in ("data", "stringData"):
        return True
    return own.should_be_encrypted(keys, [], False) or (
        rule is not None and rule.should_be_encrypted(keys, [], False))


def _label(rel: str, branch: Branch) -> str:
    metadata = branch.get("metadata")
    if branch.get("kind") == "Secret" and isinstance(metadata, Branch):
        return f"Secret {str(metadata.get('name', ''))!r} in {rel!r}"
    return repr(rel)


def _naming(finding: Finding, branch: Branch) -> Finding:
    """A repo-scope finding naming the source object it is about."""
    kind = branch.get("kind")
    metadata = branch.get("metadata")
    if not isinstance(kind, str) or not kind:
        return finding
    meta = metadata if isinstance(metadata, Branch) else Branch()
    return dataclasses.replace(finding, object=ObjectRef(
        kind, str(meta.get("namespace") or ""), str(meta.get("name", ""))))


# --- the check -----------------------------------------------------------------

def check(ctx: RepoContext) -> Iterator[Finding]:
    cache: dict[Path, list[rules.CreationRule]] = {}
    for rel in ctx.files:
        named = is_sops_name(rel)
        if not named and Path(rel).name in rules.CONFIG_NAMES:
            continue
        text = read_text(ctx.repo_root, rel)
        if text is None or (not named and not may_hold_sops_metadata(text)):
            continue
        try:
            f = _read(rel, text)
        except InputError:  # a nesting bomb, refused before libyaml
            yield ctx.report(None, f"{rel!r} is nested too deeply to read",
                             hint="restore it from git, or re-create it with sops", file=rel,
                             line=1)
            continue
        except SopsFileError as exc:
            if named:
                yield ctx.report(None, f"SOPS file {rel!r} does not parse as "
                                       f"{sops_format(rel, text)}: {exc.message}",
                                 hint="restore it from git, or re-create it with sops",
                                 file=rel, line=1)
            continue
        if f.metadata is None and not named:
            continue
        yield from _check_file(ctx, f, cache)


def _rule_for(ctx: RepoContext, rel: str, recipients: list[str],
              cache: dict[Path, list[rules.CreationRule]]
              ) -> tuple[Path, rules.RecipientsVerdict] | None | InputError:
    """The nearest .sops.yaml (inside the repository) and its verdict, as the plugin finds it."""
    root = ctx.repo_root.resolve()
    try:
        return rules.judge_file((root / rel).resolve(), recipients, cache, stop=root)
    except InputError as exc:
        return exc


def _check_file(ctx: RepoContext, f: _File,
                cache: dict[Path, list[rules.CreationRule]]) -> Iterator[Finding]:
    rel = f.rel
    first = f.branches[0] if f.branches else Branch()
    meta_line = text_line(f.text, "sops_") if f.format == formats.DOTENV else \
        _locate(f, 0, ("sops",))
    if f.metadata is None:
        for index, branch in enumerate(f.branches):
            if branch:
                yield _naming(ctx.report(
                    None, f"{_label(rel, branch)} is named as SOPS-encrypted but has no sops "
                          "metadata: it is plaintext",
                    hint=ENCRYPT_HINT, file=rel, line=_locate(f, index, ())), branch)
        return
    raw = f.metadata if isinstance(f.metadata, dict) else {}
    for meta_key in ("mac", "version"):
        if not raw.get(meta_key):
            yield _naming(ctx.report(
                None, f"{_label(rel, first)} has sops metadata without {meta_key!r}: sops "
                      "cannot verify or decrypt it",
                hint="re-encrypt it with sops (do not edit encrypted files by hand)",
                file=rel, line=meta_line), first)
    try:
        metadata: Metadata | None = parse_metadata(f.metadata, rel)
    except SopsFileError as exc:
        metadata = None
        yield _naming(ctx.report(None, f"{_label(rel, first)} cannot be opened: {exc.message}",
                                 hint=exc.hint or "re-encrypt it with sops", file=rel,
                                 line=meta_line), first)
    found = _rule_for(ctx, rel, [stanza.recipient for stanza in metadata.age]
                      if metadata else [], cache)
    rule = found[1].rule if isinstance(found, tuple) else None
    repo_encryption = _rules_of(dict(rule.rule)) if rule else None
    own = metadata.rules if metadata else (
        _rules_of(raw) or EncryptionRules(unencrypted_suffix="_unencrypted"))
    for index, branch in enumerate(f.branches):
        kind = branch.get("kind")
        payload = [(path, value) for path, value in _leaves(branch)
                   if path and (f.format != formats.YAML and f.format != formats.JSON
                                or path[0] not in IDENTITY_FIELDS)]
        encrypted = [v for _, v in payload if isinstance(v, str) and cipher.looks_encrypted(v)]
        if payload and not encrypted:
            yield _naming(ctx.report(
                None, f"{_label(rel, branch)} has sops metadata but not one encrypted value: "
                      "the encryption rule encrypted nothing, so it is plaintext",
                hint="check encrypted_regex/encrypted_suffix in .sops.yaml against the file's "
                     "keys, then encrypt it again",
                file=rel, line=meta_line), branch)
        for path, value in _leaves(branch):
            if value is None or value == "" or (isinstance(value, str)
                                                and cipher.looks_encrypted(value)):
                continue
            if _must_encrypt(path, kind, f.format, own, repo_encryption):
                yield _naming(ctx.report(
                    None, f"{_label(rel, branch)} value {'.'.join(map(str, path))!r} is not "
                          "encrypted",
                    hint="encrypt the file again with sops (a value edited after encryption "
                         "stays plaintext)",
                    file=rel, line=_locate(f, index, path), path=path), branch)
    yield from _check_recipients(ctx, f, first, metadata, found, meta_line)


def _check_recipients(ctx: RepoContext, f: _File, first: Branch, metadata: Metadata | None,
                      found: tuple[Path, rules.RecipientsVerdict] | None | InputError,
                      line: int) -> Iterator[Finding]:
    rel = f.rel
    if isinstance(found, InputError):
        yield _naming(ctx.report(
            None, f"{rel!r}: the {SOPS_CONFIG} that governs it cannot be read: {found}",
            hint=f"fix {SOPS_CONFIG}", file=rel, line=line), first)
        return
    if found is None:
        yield _naming(ctx.report(
            None, f"{rel!r} is a SOPS file but the repository has no {SOPS_CONFIG}: its "
                  "recipients cannot be checked and sops cannot re-encrypt it",
            hint=f"add {SOPS_CONFIG} at the repository root with a creation rule for this path",
            file=rel, line=line), first)
        return
    if metadata is None:
        return
    config, verdict = found
    where = config.relative_to(ctx.repo_root.resolve()).as_posix()
    if verdict.rule is None:
        yield _naming(ctx.report(
            None, f"no {where} creation rule matches {rel!r}: sops would refuse to "
                  "(re-)encrypt it",
            hint="add a creation rule whose path_regex matches it, or move the file",
            file=rel, line=line), first)
        return
    if verdict.ok:
        return
    parts = []
    if verdict.missing:
        parts.append(f"missing {', '.join(verdict.missing)}")
    if verdict.extra:
        parts.append(f"not in the rule: {', '.join(verdict.extra)}")
    yield _naming(ctx.report(
        None, f"{rel!r} is encrypted for other age recipients than {where} "
              f"{verdict.rule.describe()}: {'; '.join(parts)}",
        hint=f"run `sops updatekeys {rel}` (with a key that can decrypt it)",
        file=rel, line=line), first)
