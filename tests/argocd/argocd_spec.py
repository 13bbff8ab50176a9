"""Matches HTTP requests and responses against Argo CD's swagger 2.0 spec.

Paths become regular expressions, query parameters are checked by name and
type, request bodies and responses are validated with jsonschema against the
operation's schema, with ``#/definitions/...`` resolved in one root document.

Request bodies are checked strictly (``additionalProperties: false`` on every
object that lists its properties), so a field the API does not know fails;
the spec's ``allOf`` compositions are merged first so that strictness does not
reject inherited fields.

Allowed difference from the spec (the only one): the sync request's hook
strategy. The Go type embeds ``SyncStrategyApply`` inline, so the API server
decodes ``{"hook": {"force": true}}``; the swagger, generated from the
protobuf, shows ``{"hook": {"syncStrategyApply": {"force": true}}}``, a shape
whose ``force`` the server would silently drop. The matcher accepts the first
and rejects the second.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

SPEC_RELATIVE = Path("argocd") / "v3.2.12" / "swagger.json"


def shared_dir() -> Path:
    """``shared/`` beside the repository root (resolved from this file)."""
    repo_root = Path(__file__).resolve().parents[2]
    return repo_root.parent / "shared"


def spec_path() -> Path:
    path = shared_dir() / SPEC_RELATIVE
    if not path.is_file():
        raise FileNotFoundError(
            f"Argo CD's swagger is missing: expected {path} (the shared/ folder "
            "beside the repository root, holding argocd/v3.2.12/swagger.json)")
    return path


class SpecViolation(AssertionError):
    """A request or response that the spec does not allow."""


@dataclass
class Operation:
    method: str
    template: str
    regex: re.Pattern
    path_params: tuple[str, ...]
    op: dict

    @property
    def operation_id(self) -> str:
        return str(self.op.get("operationId", ""))


def _merge_all_of(schema: dict, definitions: dict) -> dict:
    """Fold allOf parts (refs or inline) into one object schema."""
    parts = schema.get("allOf")
    if not parts:
        return schema
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    props = dict(merged.get("properties") or {})
    for part in parts:
        if "$ref" in part:
            part = definitions[part["$ref"].rsplit("/", 1)[1]]
        part = _merge_all_of(part, definitions)
        props.update(part.get("properties") or {})
    merged["properties"] = props
    merged.setdefault("type", "object")
    return merged


def _strict(node: Any, definitions: dict) -> Any:
    if isinstance(node, list):
        return [_strict(n, definitions) for n in node]
    if not isinstance(node, dict):
        return node
    node = _merge_all_of(node, definitions)
    out = {k: _strict(v, definitions) for k, v in node.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


class Spec:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or spec_path()
        self.doc = json.loads(self.path.read_text())
        defs = self.doc["definitions"]
        merged = {name: _merge_all_of(d, defs) for name, d in defs.items()}
        self.response_defs = merged
        strict = {name: _strict(d, defs) for name, d in defs.items()}
        # The allowed wire-format difference (see the module docstring).
        strict["v1alpha1SyncStrategyHook"] = {
            "type": "object", "properties": {"force": {"type": "boolean"}},
            "additionalProperties": False}
        self.request_defs = strict
        self.operations: list[Operation] = []
        for template, item in self.doc["paths"].items():
            names = tuple(re.findall(r"{([^}]+)}", template))
            pattern = re.escape(template)
            for name in names:
                pattern = pattern.replace(re.escape("{" + name + "}"), "([^/]+)")
            regex = re.compile("^" + pattern + "$")
            for method, op in item.items():
                if method == "parameters":
                    continue
                self.operations.append(Operation(method.upper(), template, regex, names, op))
        # Literal paths first: /applications/manifestsWithFiles before /{name}.
        self.operations.sort(key=lambda o: (len(o.path_params), -len(o.template)))

    # -- requests ------------------------------------------------------------
    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        method = method.upper()
        known_path = False
        for op in self.operations:
            m = op.regex.match(path)
            if not m:
                continue
            known_path = True
            if op.method == method:
                return op, dict(zip(op.path_params, m.groups()))
        if known_path:
            raise SpecViolation(f"{method} {path}: the spec has this path, not this method")
        raise SpecViolation(f"{method} {path}: no such endpoint in the spec")

    def check_request(self, method: str, path: str, query: dict[str, list[str]],
                      body: bytes | None) -> tuple[Operation, dict[str, str], Any]:
        op, path_params = self.match(method, path)
        params = op.op.get("parameters", [])
        query_specs = {p["name"]: p for p in params if p.get("in") == "query"}
        for name, values in query.items():
            spec = query_specs.get(name)
            if spec is None:
                raise SpecViolation(f"{method} {op.template}: unknown query parameter {name!r}")
            if spec.get("type") != "array" and len(values) > 1:
                raise SpecViolation(f"{method} {op.template}: {name!r} given {len(values)} times")
            kind = spec.get("items", {}).get("type") if spec.get("type") == "array" \
                else spec.get("type")
            for value in values:
                if kind == "boolean" and value not in ("true", "false"):
                    raise SpecViolation(f"{name}={value!r} is not a boolean")
                if kind == "integer" and not re.fullmatch(r"-?\d+", value):
                    raise SpecViolation(f"{name}={value!r} is not an integer")
        body_spec = next((p for p in params if p.get("in") == "body"), None)
        decoded: Any = None
        if body_spec is None:
            if body:
                raise SpecViolation(f"{method} {op.template} takes no body")
        else:
            if not body:
                if body_spec.get("required"):
                    raise SpecViolation(f"{method} {op.template}: the body is required")
            else:
                try:
                    decoded = json.loads(body)
                except ValueError:
                    raise SpecViolation(f"{method} {op.template}: the body is not JSON")
                self._validate(body_spec["schema"], decoded, self.request_defs,
                               f"request body of {method} {op.template}")
        return op, path_params, decoded

    # -- responses -------------------------------------------------------------
    def response_schema(self, op: Operation, status: int) -> dict:
        responses = op.op.get("responses", {})
        entry = responses.get(str(status)) or responses.get("default")
        if entry is None:
            raise SpecViolation(f"{op.method} {op.template}: no response {status} in the spec")
        return entry.get("schema", {})

    def check_response(self, op: Operation, status: int, body: Any) -> None:
        schema = self.response_schema(op, status)
        # Responses are checked strictly too: the fake must not invent fields.
        self._validate(schema, body, self.request_defs,
                       f"response {status} of {op.method} {op.template}")

    @staticmethod
    def _validate(schema: dict, instance: Any, definitions: dict, what: str) -> None:
        root = {"definitions": definitions, "allOf": [copy.deepcopy(schema)]}
        validator = jsonschema.Draft4Validator(root)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.path) or "(root)"
            raise SpecViolation(f"{what}: at {where}: {first.message}")
