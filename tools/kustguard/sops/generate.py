"""Build the resources a generator configuration asks for.

Every file is opened (or, in shape-only mode, inspected) before anything is
returned, so a failure leaves no half-built Secret behind.

Secrets from `secretFrom` have KSOPS's layout, so the Secret and its hash
suffix are the ones KSOPS gives: `files` and `envs` values as text under
`stringData`, `binaryFiles` base64 under `data`, `type` only when given,
fields in the order KSOPS writes them. A `files` value that is not UTF-8
text goes under `data` (KSOPS would replace its invalid bytes).

Values keep their type: a manifest's tree goes out as sops decrypted it
(timestamps, floats and JSON numbers in sops's own form), and the emitter
quotes every string a YAML reader could take for something else.

Before a file is decrypted, its age recipients are compared with the
`.sops.yaml` creation rule for it (see `rules`): a file encrypted for other
recipients is refused, or reported with one warning line when the operator
sets KUSTGUARD_SOPS_RECIPIENTS=warn.

Shape-only mode needs no key: each Secret keeps its real name, type and
keys, every value becomes a placeholder, and the annotation
`kustguard.io/shape-only: "true"` marks the result as unusable.
"""
from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kustguard.errors import InputError
from kustguard.sops import cipher, formats, paths, rules
from kustguard.sops.config import (FileRef, GeneratorConfig, SecretSpec, check_generator_annotations,
                                   check_secret_key)
from kustguard.sops.decrypt import OpenedFile, decrypt_file, inspect_file
from kustguard.sops.envfile import parse_env
from kustguard.sops.errors import SopsFileError
from kustguard.sops.keys import KeyRing
from kustguard.sops.tree import Branch
from kustguard.sops.values import Comment, bytes_to_str, go_json_float
from kustguard.sops.yamlemit import Plain

SHAPE_ONLY_ANNOTATION = "kustguard.io/shape-only"
PLACEHOLDER = "kustguard-shape-only"
PLACEHOLDER_DATA = base64.b64encode(PLACEHOLDER.encode()).decode()
_PLACEHOLDER_BY_TYPE: dict[str, Any] = {
    "str": PLACEHOLDER, "bytes": PLACEHOLDER, "comment": PLACEHOLDER,
    "int": 0, "float": 0.0, "bool": False, "time": "1970-01-01T00:00:00Z",
}


class _Encrypted:
    """Stands for an encrypted leaf in shape-only mode."""

    def __init__(self, kind: str) -> None:
        self.kind = kind


def _output_tree(value: Any, fmt: str, shape_only: bool) -> Any:
    """A decrypted tree as output data: comments dropped, types kept.

    Timestamps stay timestamps and YAML floats stay floats (the emitter
    writes them as sops does); JSON numbers keep the form `sops decrypt`
    prints them in.
    """
    if isinstance(value, Branch):
        return {item.key: _output_tree(item.value, fmt, shape_only)
                for item in value if isinstance(item.key, str)}
    if isinstance(value, list):
        return [_output_tree(v, fmt, shape_only) for v in value if not isinstance(v, Comment)]
    if isinstance(value, bytes):
        return bytes_to_str(value)
    if fmt == formats.JSON and isinstance(value, float) and not isinstance(value, bool):
        return Plain(go_json_float(value))
    if shape_only and isinstance(value, str) and cipher.looks_encrypted(value):
        return _Encrypted(cipher.parse(value).kind)
    return value


def _fill_placeholders(value: Any, in_secret_data: bool = False) -> Any:
    if isinstance(value, dict):
        return {k: _fill_placeholders(v, in_secret_data) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_placeholders(v, in_secret_data) for v in value]
    if isinstance(value, _Encrypted):
        return PLACEHOLDER_DATA if in_secret_data else _PLACEHOLDER_BY_TYPE[value.kind]
    return value


RECIPIENTS_ENV = "KUSTGUARD_SOPS_RECIPIENTS"
RECIPIENTS_MODES = ("enforce", "warn")


def recipients_mode(env: dict[str, str] | Any) -> str:
    """`enforce` (the default) or `warn`, from the operator's environment only."""
    mode = env.get(RECIPIENTS_ENV, "") or "enforce"
    if mode not in RECIPIENTS_MODES:
        raise InputError(f"{RECIPIENTS_ENV} must be enforce or warn")
    return mode


class Generator:
    def __init__(self, root: Path, shape_only: bool, keyring: Callable[[], KeyRing],
                 allow_outside: bool = False, recipients: str = "enforce",
                 warn: Callable[[str], None] | None = None) -> None:
        self.root = root
        self.shape_only = shape_only
        self._keyring_factory = keyring
        self._keyring: KeyRing | None = None
        self.allow_outside = allow_outside
        self.recipients = recipients
        self.warn = warn or (lambda message: None)
        self._rules: dict[Path, list[rules.CreationRule]] = {}

    def _open(self, reference: str, source: str) -> OpenedFile:
        real = paths.resolve(self.root, reference, source, self.allow_outside)
        if self.shape_only:
            return inspect_file(real, reference)
        if self._keyring is None:
            self._keyring = self._keyring_factory()
        return decrypt_file(real, reference, self._keyring,
                            check=lambda metadata: self._check_recipients(real, reference,
                                                                          metadata))

    def _check_recipients(self, real: Path, reference: str, metadata: Any) -> None:
        """Refuse (or warn about) a file not encrypted for its rule's recipients."""
        found = rules.judge_file(real, [stanza.recipient for stanza in metadata.age],
                                 self._rules)
        if found is None or found[1].ok:
            return  # no .sops.yaml anywhere above, or the recipients match
        config, verdict = found
        if self.recipients == "warn":
            self.warn(f"warning: {reference}: {verdict.problem()} in {config.name} "
                      f"({RECIPIENTS_ENV}=warn)")
            return
        raise SopsFileError(f"{verdict.problem()} in {config.name}", reference,
                            hint=f"re-encrypt it with `sops updatekeys {reference}`, or fix "
                                 f"{config.name}")

    # -- whole manifests
    def manifests(self, reference: str, source: str) -> list[dict[str, Any]]:
        opened = self._open(reference, source)
        if opened.format not in (formats.YAML, formats.JSON):
            raise InputError(f"{reference}: files entries must be YAML or JSON manifests; "
                             "use secretFrom for other files", source)
        resources = []
        for index, branch in enumerate(opened.branches):
            if not branch:
                continue
            doc = _output_tree(branch, opened.format, self.shape_only)
            where = f"{reference} (document {index + 1})"
            _check_identity(doc, where, self.shape_only)
            if self.shape_only:
                is_secret = doc.get("kind") == "Secret" and doc.get("apiVersion") == "v1"
                doc = {k: _fill_placeholders(v, in_secret_data=is_secret and k == "data")
                       for k, v in doc.items()}
                _mark_shape_only(doc)
            annotations = doc.get("metadata", {}).get("annotations") or {}
            if isinstance(annotations, dict):
                check_generator_annotations({k: v for k, v in annotations.items()
                                             if isinstance(v, str)}, where, source)
            resources.append(doc)
        return resources

    # -- Secrets from files
    def secret(self, spec: SecretSpec, source: str) -> dict[str, Any]:
        string_data: dict[str, str] = {}
        data: dict[str, str] = {}

        def add(key: str, value: bytes | None, binary: bool) -> None:
            if key in string_data or key in data:
                raise InputError(f"Secret {spec.name!r} would hold key {key!r} twice", source)
            if value is None:
                if binary:
                    data[key] = PLACEHOLDER_DATA
                else:
                    string_data[key] = PLACEHOLDER
                return
            if not binary:
                try:
                    string_data[key] = value.decode("utf-8")
                    return
                except UnicodeDecodeError:
                    pass  # not text: base64 under data, unchanged
            data[key] = base64.b64encode(value).decode()

        for refs, binary in ((spec.files, False), (spec.binary_files, True)):
            for ref in refs:
                key = self._key_for(ref, spec, source)
                opened = self._open(ref.path, source)
                add(key, None if self.shape_only else opened.plaintext(), binary)
        for reference in spec.envs:
            opened = self._open(reference, source)
            if self.shape_only:
                for key in _env_keys_without_key(opened, reference, source):
                    add(key, None, False)
            else:
                parsed = parse_env(bytes_to_str(opened.plaintext()), reference)
                for key, value in parsed.items():
                    add(key, value.encode("utf-8", "surrogateescape"), False)
        # KSOPS's field order (its Secret goes through a JSON map: sorted keys).
        metadata: dict[str, Any] = {}
        if spec.annotations:
            metadata["annotations"] = dict(sorted(spec.annotations.items()))
        if spec.labels:
            metadata["labels"] = dict(sorted(spec.labels.items()))
        metadata["name"] = spec.name
        if spec.namespace:
            metadata["namespace"] = spec.namespace
        secret: dict[str, Any] = {"apiVersion": "v1"}
        if data:
            secret["data"] = dict(sorted(data.items()))
        secret["kind"] = "Secret"
        secret["metadata"] = metadata
        if string_data:
            secret["stringData"] = dict(sorted(string_data.items()))
        if spec.type:
            secret["type"] = spec.type
        if self.shape_only:
            _mark_shape_only(secret)
        return secret

    def _key_for(self, ref: FileRef, spec: SecretSpec, source: str) -> str:
        key = ref.key or Path(ref.path).name
        check_secret_key(key, f"secretFrom {spec.name!r}", source)
        return key

    def run(self, config: GeneratorConfig, source: str) -> list[dict[str, Any]]:
        resources: list[dict[str, Any]] = []
        for reference in config.files:
            resources.extend(self.manifests(reference, source))
        for spec in config.secrets:
            resources.append(self.secret(spec, source))
        return resources


def _env_keys_without_key(opened: OpenedFile, reference: str, source: str) -> list[str]:
    if opened.format != formats.DOTENV:
        raise InputError(f"{reference}: shape-only mode reads variable names from .env files "
                         "only; give the encrypted dotenv file a .env name", source)
    keys = []
    for item in opened.branches[0]:
        if isinstance(item.key, str):
            key = item.key.strip()
            if key.startswith("export "):
                key = key[len("export "):].strip()
            check_secret_key(key, reference, source)
            keys.append(key)
    return keys


def _check_identity(doc: Any, where: str, shape_only: bool) -> None:
    if not isinstance(doc, dict):
        raise SopsFileError("a manifest must be a mapping", where)
    metadata = doc.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    fields = {"apiVersion": doc.get("apiVersion"), "kind": doc.get("kind"),
              "metadata.name": name}
    for field_name, value in fields.items():
        if isinstance(value, _Encrypted):
            raise SopsFileError(
                f"{field_name} is encrypted, so shape-only mode cannot tell what this is",
                where, hint="encrypt only data and stringData: sops --encrypted-regex "
                            "'^(data|stringData)$'")
        if not isinstance(value, str) or not value:
            raise SopsFileError(f"the manifest has no {field_name}", where)
    if shape_only and isinstance(doc.get("type"), _Encrypted):
        raise SopsFileError("type is encrypted, so shape-only mode cannot report it", where,
                            hint="encrypt only data and stringData: sops --encrypted-regex "
                                 "'^(data|stringData)$'")


def _mark_shape_only(resource: dict[str, Any]) -> None:
    metadata = resource.setdefault("metadata", {})
    annotations = metadata.get("annotations")
    if not isinstance(annotations, dict):
        annotations = {}
    metadata["annotations"] = {**annotations, SHAPE_ONLY_ANNOTATION: "true"}
