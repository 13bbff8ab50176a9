"""The generator configuration: our `SopsSecretGenerator` kind and KSOPS's.

Both kinds take the same fields:

    files:        SOPS-encrypted manifests, emitted as they decrypt
    secretFrom:   Secrets built from encrypted files, one per entry
      - metadata: name (required), namespace, labels, annotations
        type:     the Secret type (left out when not given, as KSOPS does)
        files:    "path" or "key=path"; the decrypted file is the value
        binaryFiles: same syntax; the decrypted bytes are the value
        envs:     dotenv files; each variable becomes a key

KSOPS's kind is read as KSOPS reads it: any `viaduct.ai/...` apiVersion,
and unknown fields ignored (each named in one warning line). Our own kind
is strict: an unknown field is an error, since a typo must not silently
drop a secret. No field of either kind changes how the plugin behaves
(shape-only, paths outside the root, key lookup, the recipients policy):
those switches come only from the operator's process environment.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kustguard.errors import InputError

OUR_API_VERSION = "kustguard.io/v1"
OUR_KIND = "SopsSecretGenerator"
KSOPS_API_VERSION = "viaduct.ai/v1"
KSOPS_GROUP = "viaduct.ai/"
KSOPS_KIND = "ksops"

NEEDS_HASH = "kustomize.config.k8s.io/needs-hash"
BEHAVIOR = "kustomize.config.k8s.io/behavior"
BEHAVIORS = ("create", "merge", "replace")

SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]+")
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_TOP_FIELDS = {"apiVersion", "kind", "metadata", "files", "secretFrom"}
_ENTRY_FIELDS = {"metadata", "type", "files", "binaryFiles", "envs"}
_META_FIELDS = {"name", "namespace", "labels", "annotations"}


@dataclass
class FileRef:
    key: str | None  # None: the file's base name
    path: str


@dataclass
class SecretSpec:
    name: str
    namespace: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    type: str | None = None
    files: list[FileRef] = field(default_factory=list)
    binary_files: list[FileRef] = field(default_factory=list)
    envs: list[str] = field(default_factory=list)


@dataclass
class GeneratorConfig:
    api_version: str
    kind: str
    name: str
    files: list[str] = field(default_factory=list)
    secrets: list[SecretSpec] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _fail(message: str, source: str, hint: str | None = None) -> InputError:
    return InputError(message, source, None, hint)


def _strings(value: Any, where: str, source: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(f"{where} must be a list of non-empty strings", source)
    return list(value)


def _string_map(value: Any, where: str, source: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                              for k, v in value.items()):
        raise _fail(f"{where} must map strings to strings (quote values like \"true\")",
                    source)
    return dict(value)


def _unknown(found: dict[str, Any], allowed: set[str], where: str, source: str,
             warnings: list[str] | None) -> None:
    """Unknown fields: an error for our kind, a warning for KSOPS's (`warnings`)."""
    extra = sorted(set(found) - allowed)
    if extra and warnings is None:
        raise _fail(f"unknown field {extra[0]!r} in {where}", source,
                    f"allowed: {', '.join(sorted(allowed))}")
    for name in extra:
        warnings.append(f"{source}: ignoring unknown field {name!r} in {where}, as KSOPS does")


def parse_file_ref(text: str, where: str, source: str) -> FileRef:
    key, sep, path = text.partition("=")
    if not sep:
        return FileRef(None, text)
    if not key or not path:
        raise _fail(f"{where}: {text!r} must be 'path' or 'key=path'", source)
    check_secret_key(key, where, source)
    return FileRef(key, path)


def check_secret_key(key: str, where: str, source: str) -> None:
    if not SECRET_KEY.fullmatch(key) or len(key) > 253 or key in (".", ".."):
        raise _fail(f"{where}: {key!r} is not a valid Secret key "
                    "(letters, digits, '-', '_' and '.')", source)


def check_generator_annotations(annotations: dict[str, str], where: str, source: str) -> None:
    if NEEDS_HASH in annotations and annotations[NEEDS_HASH] not in ("true", "false"):
        raise _fail(f"{where}: {NEEDS_HASH} must be \"true\" or \"false\"", source)
    if BEHAVIOR in annotations and annotations[BEHAVIOR] not in BEHAVIORS:
        raise _fail(f"{where}: {BEHAVIOR} must be one of {', '.join(BEHAVIORS)}", source)


def _secret(entry: Any, index: int, source: str, warnings: list[str] | None) -> SecretSpec:
    where = f"secretFrom[{index}]"
    if not isinstance(entry, dict):
        raise _fail(f"{where} must be a mapping", source)
    _unknown(entry, _ENTRY_FIELDS, where, source, warnings)
    meta = entry.get("metadata")
    if not isinstance(meta, dict):
        raise _fail(f"{where}.metadata with a name is required", source)
    _unknown(meta, _META_FIELDS, f"{where}.metadata", source, warnings)
    name = meta.get("name")
    if not isinstance(name, str) or not DNS_SUBDOMAIN.fullmatch(name) or len(name) > 253:
        raise _fail(f"{where}.metadata.name must be a DNS subdomain name", source)
    namespace = meta.get("namespace")
    if namespace is not None and (not isinstance(namespace, str)
                                  or not DNS_SUBDOMAIN.fullmatch(namespace)):
        raise _fail(f"{where}.metadata.namespace must be a DNS name", source)
    secret_type = entry.get("type")
    if secret_type is not None and (not isinstance(secret_type, str) or not secret_type):
        raise _fail(f"{where}.type must be a non-empty string", source)
    spec = SecretSpec(
        name=name,
        namespace=namespace,
        labels=_string_map(meta.get("labels"), f"{where}.metadata.labels", source),
        annotations=_string_map(meta.get("annotations"), f"{where}.metadata.annotations", source),
        type=secret_type,
        files=[parse_file_ref(text, f"{where}.files", source)
               for text in _strings(entry.get("files"), f"{where}.files", source)],
        binary_files=[parse_file_ref(text, f"{where}.binaryFiles", source)
                      for text in _strings(entry.get("binaryFiles"), f"{where}.binaryFiles",
                                           source)],
        envs=_strings(entry.get("envs"), f"{where}.envs", source),
    )
    check_generator_annotations(spec.annotations, f"{where}.metadata.annotations", source)
    if not (spec.files or spec.binary_files or spec.envs):
        raise _fail(f"{where} needs at least one of files, binaryFiles or envs", source)
    return spec


def parse_config(doc: Any, source: str) -> GeneratorConfig:
    """Validate a generator configuration object."""
    if not isinstance(doc, dict):
        raise _fail("the generator configuration must be a mapping", source)
    kind = (doc.get("apiVersion"), doc.get("kind"))
    ksops = kind[1] == KSOPS_KIND and isinstance(kind[0], str) and kind[0].startswith(KSOPS_GROUP)
    if kind != (OUR_API_VERSION, OUR_KIND) and not ksops:
        raise _fail(f"unsupported configuration kind {kind[0]}/{kind[1]}", source,
                    f"use apiVersion {OUR_API_VERSION} kind {OUR_KIND}, "
                    f"or KSOPS's {KSOPS_API_VERSION} {KSOPS_KIND}")
    warnings: list[str] | None = [] if ksops else None
    _unknown(doc, _TOP_FIELDS, "the configuration", source, warnings)
    meta = doc.get("metadata") or {}
    if not isinstance(meta, dict):
        raise _fail("metadata must be a mapping", source)
    name = meta.get("name") if isinstance(meta.get("name"), str) else ""
    files = _strings(doc.get("files"), "files", source)
    raw_secrets = doc.get("secretFrom")
    if raw_secrets is not None and not isinstance(raw_secrets, list):
        raise _fail("secretFrom must be a list", source)
    secrets = [_secret(entry, i, source, warnings) for i, entry in enumerate(raw_secrets or [])]
    if not files and not secrets:
        raise _fail("the configuration lists neither files nor secretFrom", source)
    seen: set[tuple[str | None, str]] = set()
    for spec in secrets:
        ident = (spec.namespace, spec.name)
        if ident in seen:
            raise _fail(f"two secretFrom entries generate Secret {spec.name!r}", source)
        seen.add(ident)
    return GeneratorConfig(kind[0], kind[1], name, files, secrets, warnings or [])
