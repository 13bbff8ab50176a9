"""The `sops:` metadata block: recipients, MAC, timestamp and encryption rules."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kustguard.sops import cipher
from kustguard.sops.errors import SopsFileError
from kustguard.sops.tree import DEFAULT_UNENCRYPTED_SUFFIX, EncryptionRules
from kustguard.sops.values import ValueFormatError, parse_rfc3339

# Key types sops knows besides age, as they appear in a file.
OTHER_KEY_TYPES = {
    "pgp": "PGP",
    "kms": "AWS KMS",
    "gcp_kms": "GCP KMS",
    "azure_kv": "Azure Key Vault",
    "hc_vault": "HashiCorp Vault",
}
AGE_RECIPIENT = re.compile(r"age1[02-9ac-hj-np-z]{58}")


@dataclass
class AgeStanza:
    recipient: str
    enc: str


@dataclass
class Metadata:
    lastmodified: str  # normalised the way Go re-formats it (the MAC's AAD)
    mac: str
    rules: EncryptionRules
    age: list[AgeStanza] = field(default_factory=list)
    other_key_types: list[str] = field(default_factory=list)
    version: str = ""


def _text(meta: dict[str, Any], key: str, path: str) -> str:
    value = meta.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SopsFileError(f"sops metadata field {key!r} must be a string", path)
    return value


def _list(value: Any, key: str, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SopsFileError(f"sops metadata field {key!r} must be a list", path)
    return value


def parse_metadata(meta: Any, path: str) -> Metadata:
    if not isinstance(meta, dict):
        raise SopsFileError("sops metadata is missing or not a mapping: this file is not "
                            "encrypted with sops", path, hint="encrypt it with `sops encrypt`")
    groups = _list(meta.get("key_groups"), "key_groups", path)
    if len(groups) > 1:
        threshold = meta.get("shamir_threshold") or len(groups)
        raise SopsFileError(
            f"the data key is split across {len(groups)} key groups with Shamir "
            f"(threshold {threshold}): key groups are not supported",
            path, hint="re-encrypt the file to age recipients in a single group")
    holder = groups[0] if groups else meta
    if not isinstance(holder, dict):
        raise SopsFileError("sops key group is not a mapping", path)

    stanzas = []
    for entry in _list(holder.get("age"), "age", path):
        if not isinstance(entry, dict) or not isinstance(entry.get("recipient"), str) \
                or not isinstance(entry.get("enc"), str):
            raise SopsFileError("an age entry in the sops metadata lacks recipient or enc", path)
        stanzas.append(AgeStanza(entry["recipient"].strip(), entry["enc"]))
    others = [label for key, label in OTHER_KEY_TYPES.items()
              if _list(holder.get(key), key, path)]
    if not stanzas:
        if others:
            raise SopsFileError(
                f"the file is encrypted only to {', '.join(others)}: that key type is not "
                "supported, only age", path,
                hint="add an age recipient with `sops updatekeys` or `kustguard sops rotate`")
        raise SopsFileError("the sops metadata lists no recipients", path)

    lastmodified_raw = _text(meta, "lastmodified", path)
    try:
        # Go parses then re-formats this with time.RFC3339 before using it as
        # the MAC's additional data: fractions drop, a zero offset becomes Z.
        stamp = parse_rfc3339(lastmodified_raw)
    except ValueFormatError:
        raise SopsFileError("sops metadata field 'lastmodified' is not an RFC 3339 time",
                            path) from None
    lastmodified = stamp.__class__(stamp.year, stamp.month, stamp.day, stamp.hour,
                                   stamp.minute, stamp.second, 0,
                                   stamp.offset_minutes).rfc3339nano()

    rules = EncryptionRules(
        unencrypted_suffix=_text(meta, "unencrypted_suffix", path),
        encrypted_suffix=_text(meta, "encrypted_suffix", path),
        unencrypted_regex=_text(meta, "unencrypted_regex", path),
        encrypted_regex=_text(meta, "encrypted_regex", path),
        unencrypted_comment_regex=_text(meta, "unencrypted_comment_regex", path),
        encrypted_comment_regex=_text(meta, "encrypted_comment_regex", path),
        mac_only_encrypted=_flag(meta.get("mac_only_encrypted"), path),
    )
    chosen = [name for name in ("unencrypted_suffix", "encrypted_suffix",
                                "unencrypted_regex", "encrypted_regex")
              if getattr(rules, name)]
    if len(chosen) > 1:
        raise SopsFileError("the sops metadata sets more than one of "
                            f"{', '.join(chosen)}: sops refuses that too", path)
    if not chosen:
        rules.unencrypted_suffix = DEFAULT_UNENCRYPTED_SUFFIX
    for name in ("unencrypted_regex", "encrypted_regex", "unencrypted_comment_regex",
                 "encrypted_comment_regex"):
        pattern = getattr(rules, name)
        if pattern:
            try:
                re.compile(pattern)
            except re.error:
                raise SopsFileError(f"sops metadata field {name!r} is not a valid "
                                    "regular expression", path) from None

    mac = _text(meta, "mac", path)
    if mac and not cipher.looks_encrypted(mac):
        raise SopsFileError("the sops MAC is not an encrypted value", path)
    return Metadata(lastmodified=lastmodified, mac=mac, rules=rules, age=stanzas,
                    other_key_types=others, version=_text(meta, "version", path))


def _flag(value: Any, path: str) -> bool:
    if value is None or value is False or value == "false":
        return False
    if value is True or value == "true":
        return True
    raise SopsFileError("sops metadata field 'mac_only_encrypted' must be true or false", path)
