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
- its age recipients are exactly those of the ``.sops.yaml`` creation rule sops
  would pick for it (the first whose ``path_regex`` matches the repo-relative
  path), so that every holder of a rule's key can decrypt it and nobody else.
  The plugin refuses such a file at build time too (same rules module).

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

import re
from collections.abc import Iterator
from typing import Any

from pathlib import Path

from kustguard.checks import CheckContext
from kustguard.checks._sops_files import (
    SOPS_CONFIG, CreationRule, Document, creation_rules, dotenv_pairs, dotenv_sops,
    file_age_recipients, is_encrypted, is_sops_name, json_document, matching_rule,
    may_hold_sops_metadata, naming, read_text, sops_format, text_line, yaml_documents,
)
from kustguard.errors import InputError
from kustguard.findings import Finding, Severity
from kustguard.sops.rules import CONFIG_NAMES

ID = "sops-file"
SEVERITY = Severity.ERROR
FAMILY = "secrets"
SCOPE = "repo"

DEFAULT_UNENCRYPTED_SUFFIX = "_unencrypted"
# What a Kubernetes manifest keeps readable on purpose; an empty Secret (only
# these) has nothing to encrypt.
IDENTITY_FIELDS = frozenset({"sops", "apiVersion", "kind", "metadata", "type"})
ENCRYPT_HINT = "encrypt it in place with `sops -e -i <file>` (the rule in .sops.yaml picks the keys)"


def _describe(path: tuple) -> str:
    return ".".join(str(p) for p in path)


def _leaves(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))
    else:
        yield path, node


def unencrypted_paths(obj: dict[str, Any], sops: dict[str, Any], rule: CreationRule | None,
                      *, all_values: bool = False) -> list[tuple]:
    """Paths of values that should be encrypted and are not (all_values: every
    value, as for a dotenv file, whose values all become Secret data)."""
    must: dict[tuple, Any] = {}
    if all_values:
        must.update(_leaves({k: v for k, v in obj.items() if k != "sops"}))
    if obj.get("kind") == "Secret":
        for field in ("data", "stringData"):
            if isinstance(obj.get(field), dict):
                for path, value in _leaves(obj[field], (field,)):
                    must[path] = value
    rule_conf = rule.rule if rule else {}
    encrypted_regex = sops.get("encrypted_regex") or rule_conf.get("encrypted_regex")
    unencrypted_regex = sops.get("unencrypted_regex") or rule_conf.get("unencrypted_regex")
    encrypted_suffix = sops.get("encrypted_suffix") or rule_conf.get("encrypted_suffix")
    unencrypted_suffix = (sops.get("unencrypted_suffix") or rule_conf.get("unencrypted_suffix")
                          or DEFAULT_UNENCRYPTED_SUFFIX)
    body = {k: v for k, v in obj.items() if k != "sops"}
    for path, value in _leaves(body):
        keys = [str(p) for p in path if isinstance(p, str)]
        try:
            if encrypted_regex:
                wanted = any(re.search(str(encrypted_regex), k) for k in keys)
            elif unencrypted_regex:
                wanted = not any(re.search(str(unencrypted_regex), k) for k in keys)
            elif encrypted_suffix:
                wanted = any(k.endswith(str(encrypted_suffix)) for k in keys)
            else:
                wanted = not any(k.endswith(str(unencrypted_suffix)) for k in keys)
        except re.error:
            wanted = False
        if wanted:
            must[path] = value
    return [path for path, value in must.items() if value is not None and not is_encrypted(value)]


class _File:
    """A SOPS file's documents, however it is stored."""

    def __init__(self, rel: str, text: str) -> None:
        self.rel = rel
        self.text = text
        self.format = sops_format(rel, text)
        self.docs: list[Document] | None
        self.dotenv: list[tuple[int, str, str]] = []
        if self.format == "dotenv":
            self.dotenv = dotenv_pairs(text)
            self.docs = []
        elif self.format == "json":
            doc = json_document(text)
            self.docs = [doc] if doc is not None else None
        else:
            self.docs = yaml_documents(text)

    def line(self, doc: Document | None, path: tuple, *, key: bool = True) -> int:
        if doc is not None and doc.node is not None:
            return doc.line(path, key=key)
        last = next((p for p in reversed(path) if isinstance(p, str)), None)
        return text_line(self.text, f'"{last}"') if last else 1


def check(ctx: CheckContext) -> Iterator[Finding]:
    rules = creation_rules(ctx.repo_root)
    for rel in ctx.files:
        named = is_sops_name(rel)
        if not named and Path(rel).name in CONFIG_NAMES:
            continue
        text = read_text(ctx.repo_root, rel)
        if text is None or (not named and not may_hold_sops_metadata(text)):
            continue
        try:
            f = _File(rel, text)
        except InputError:  # a nesting bomb: refused before libyaml
            yield ctx.report(None, f"{rel!r} is nested too deeply to read",
                             hint="restore it from git, or re-create it with sops", file=rel,
                             line=1)
            continue
        if f.docs is None:
            if named:
                yield ctx.report(None, f"SOPS file {rel!r} does not parse as {f.format}",
                                 hint="restore it from git, or re-create it with sops", file=rel, line=1)
            continue
        if not named and not any(sops is not None for _, _, sops in _units(f)):
            continue
        yield from _check_file(ctx, f, rules)


def _units(f: _File) -> Iterator[tuple[Document | None, dict, dict | None]]:
    """(document, body, sops metadata or None) per encrypted unit of a file."""
    if f.format == "dotenv":
        body = {k: v for _, k, v in f.dotenv if not k.startswith("sops_")}
        meta = dotenv_sops(f.dotenv)
        yield None, body, (meta or None)
        return
    if f.format == "json" and f.docs:
        # A JSON object is one unit; line numbers come from the text.
        doc = f.docs[0]
        if isinstance(doc.obj, dict):
            sops = doc.obj.get("sops")
            yield None, doc.obj, (sops if isinstance(sops, dict) else None)
        return
    for doc in f.docs or []:
        if isinstance(doc.obj, dict):
            sops = doc.obj.get("sops")
            yield doc, doc.obj, (sops if isinstance(sops, dict) else None)


def _check_file(ctx: CheckContext, f: _File, rules: list[CreationRule] | None) -> Iterator[Finding]:
    rel = f.rel
    rule = matching_rule(rules, rel) if rules else None
    recipients_checked = False
    for doc, body, sops in _units(f):
        label = (f"Secret {str((body.get('metadata') or {}).get('name', ''))!r} in {rel!r}"
                 if body.get("kind") == "Secret" and isinstance(body.get("metadata"), dict) else repr(rel))
        if sops is None:
            yield naming(ctx.report(
                None, f"{label} is named as SOPS-encrypted but has no sops metadata: it is plaintext",
                hint=ENCRYPT_HINT, file=rel, line=1 if doc is None else doc.line(()),
            ), body)
            continue
        for meta_key in ("mac", "version"):
            if not sops.get(meta_key):
                yield naming(ctx.report(
                    None, f"{label} has sops metadata without {meta_key!r}: sops cannot verify or decrypt it",
                    hint="re-encrypt it with sops (do not edit encrypted files by hand)",
                    file=rel, line=_meta_line(f, doc, meta_key),
                ), body)
        payload = [value for _, value in _leaves(
            {k: v for k, v in body.items() if k not in IDENTITY_FIELDS})]
        if payload and not any(is_encrypted(value) for value in payload):
            yield naming(ctx.report(
                None, f"{label} has sops metadata but not one encrypted value: the encryption "
                      f"rule encrypted nothing, so it is plaintext",
                hint="check encrypted_regex/encrypted_suffix in .sops.yaml against the file's "
                     "keys, then encrypt it again",
                file=rel, line=_meta_line(f, doc, "sops"),
            ), body)
        for path in unencrypted_paths(body, sops, rule, all_values=f.format == "dotenv"):
            yield naming(ctx.report(
                None, f"{label} value {_describe(path)!r} is not encrypted",
                hint="encrypt the file again with sops (a value edited after encryption stays plaintext)",
                file=rel, line=_value_line(f, doc, path), path=path,
            ), body)
        if not recipients_checked:
            recipients_checked = True
            yield from _check_recipients(ctx, f, doc, body, sops, rules, rule)


def _meta_line(f: _File, doc: Document | None, key: str) -> int:
    if f.format == "dotenv":
        return text_line(f.text, "sops_")
    return f.line(doc, ("sops",))


def _value_line(f: _File, doc: Document | None, path: tuple) -> int:
    if f.format == "dotenv":
        return next((n for n, k, _ in f.dotenv if k == path[0]), 1)
    return f.line(doc, path)


def _check_recipients(ctx: CheckContext, f: _File, doc: Document | None, body: dict, sops: dict,
                      rules: list[CreationRule] | None, rule: CreationRule | None) -> Iterator[Finding]:
    rel = f.rel
    line = _meta_line(f, doc, "age")
    if rules is None:
        yield naming(ctx.report(
            None, f"{rel!r} is a SOPS file but the repository has no {SOPS_CONFIG}: its recipients "
                  f"cannot be checked and sops cannot re-encrypt it",
            hint=f"add {SOPS_CONFIG} at the repository root with a creation rule for this path",
            file=rel, line=line,
        ), body)
        return
    if rule is None:
        yield naming(ctx.report(
            None, f"no {SOPS_CONFIG} creation rule matches {rel!r}: sops would refuse to (re-)encrypt it",
            hint=f"add a creation rule whose path_regex matches it, or move the file", file=rel, line=line,
        ), body)
        return
    want = rule.age_recipients
    have = file_age_recipients(sops)
    if want == have:
        return
    missing = sorted(want - have)
    extra = sorted(have - want)
    parts = []
    if missing:
        parts.append(f"missing {', '.join(missing)}")
    if extra:
        parts.append(f"not in the rule: {', '.join(extra)}")
    yield naming(ctx.report(
        None, f"{rel!r} is encrypted for other age recipients than {SOPS_CONFIG} {rule.describe()}: "
              f"{'; '.join(parts)}",
        hint=f"run `sops updatekeys {rel}` (with a key that can decrypt it)",
        file=rel, line=line,
    ), body)
