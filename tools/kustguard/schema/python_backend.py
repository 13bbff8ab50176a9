"""In-process schema validation with compiled, cached validators."""
from __future__ import annotations

import json
import threading
from typing import Any

import jsonschema_rs

from kustguard.schema.catalog import DEFINITIONS, SchemaCatalog
from kustguard.schema.violations import (MISSING_SCHEMA, Violation, enum_message,
                                         unknown_field_path)

_BASE = "file:///kustguard-schemas/"


class PythonBackend:
    name = "python"

    def __init__(self, catalog: SchemaCatalog) -> None:
        self.catalog = catalog
        self._registry: jsonschema_rs.Registry | None = None
        self._validators: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def _get_registry(self) -> jsonschema_rs.Registry:
        if self._registry is None:
            defs = json.loads((self.catalog.core_dir / DEFINITIONS).read_text(encoding="utf-8"))
            self._registry = jsonschema_rs.Registry([(_BASE + "core/" + DEFINITIONS, defs)])
        return self._registry

    def _validator(self, api_version: str, kind: str) -> Any:
        key = (api_version, kind)
        with self._lock:
            if key not in self._validators:
                path = self.catalog.path_for(api_version, kind)
                if path is None:
                    self._validators[key] = None
                else:
                    schema = json.loads(path.read_text(encoding="utf-8"))
                    sub = "core/" if path.parent == self.catalog.core_dir else "crd/"
                    self._validators[key] = jsonschema_rs.validator_for(
                        schema, registry=self._get_registry(),
                        base_uri=_BASE + sub + path.name, validate_formats=False,
                    )
            return self._validators[key]

    def validate(self, obj: dict[str, Any]) -> list[Violation]:
        api_version = str(obj.get("apiVersion", ""))
        kind = str(obj.get("kind", ""))
        validator = self._validator(api_version, kind)
        if validator is None:
            return [Violation((), MISSING_SCHEMA.format(kind=kind or "?", api_version=api_version or "?"),
                              missing_schema=True)]
        if validator.is_valid(obj):
            return []
        out = []
        for err in validator.iter_errors(obj):
            path = tuple(err.instance_path)
            options = getattr(err.kind, "options", None)
            if type(err.kind).__name__ == "Enum" and isinstance(options, list):
                out.append(Violation(path, enum_message(err.instance, options)))
                continue
            out.append(Violation(unknown_field_path(path, err.message), err.message))
        return out

    def validate_all(self, objects: list[dict[str, Any]]) -> list[list[Violation]]:
        return [self.validate(obj) for obj in objects]
