"""Schema validation by the kubeconform binary, on the same local schemas."""
from __future__ import annotations

import json
import re
import subprocess
from collections import defaultdict
from typing import Any

import yaml

from kustguard.errors import InputError
from kustguard.schema.catalog import SchemaCatalog
from kustguard.schema.violations import MISSING_SCHEMA, Violation, unknown_field_path


# kubeconform puts the leaf errors in its message: "- at '/spec/x': problem".
_LEAF = re.compile(r"- at '([^']*)': ([^\n]+)")


def _path(json_pointer: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for raw in json_pointer.strip("/").split("/") if json_pointer.strip("/") else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        parts.append(int(part) if part.isdigit() else part)
    return tuple(parts)


class KubeconformBackend:
    name = "kubeconform"

    def __init__(self, catalog: SchemaCatalog, binary: str, workers: int = 2) -> None:
        self.catalog = catalog
        self.binary = binary
        self.workers = workers

    def run(self, stream: str) -> list[dict[str, Any]]:
        cmd = [self.binary, "-strict", "-output", "json", "-verbose", "-n", str(self.workers)]
        for location in self.catalog.kubeconform_locations():
            cmd += ["-schema-location", location]
        try:
            proc = subprocess.run(cmd + ["-"], input=stream, capture_output=True, text=True,
                                  timeout=600)
        except OSError as exc:
            raise InputError(f"cannot run kubeconform: {exc.strerror}", self.binary,
                             hint="run 'make setup'") from None
        try:
            return json.loads(proc.stdout).get("resources") or []
        except json.JSONDecodeError:
            first = (proc.stderr or proc.stdout).strip().splitlines()[:1]
            raise InputError(f"kubeconform failed: {first[0] if first else 'no output'}",
                             hint="run it by hand to see why") from None

    def validate_all(self, objects: list[dict[str, Any]]) -> list[list[Violation]]:
        """Violations per object, in order."""
        stream = "".join("---\n" + yaml.safe_dump(o, sort_keys=False) for o in objects)
        by_key: dict[tuple[str, str, str], list[Violation]] = defaultdict(list)
        for res in self.run(stream):
            status = res.get("status")
            if status in ("statusValid", "statusSkipped", "statusEmpty"):
                continue
            key = (res.get("kind", ""), res.get("name", ""), res.get("version", ""))
            msg = res.get("msg", "")
            leaves = _LEAF.findall(msg)
            errors = ([{"path": p, "msg": m.strip()} for p, m in leaves]
                      or res.get("validationErrors") or [])
            if not errors:
                if "could not find schema" in msg:
                    msg = MISSING_SCHEMA.format(kind=key[0], api_version=key[2])
                by_key[key].append(Violation((), msg))
            for err in errors:
                path = _path(err.get("path", ""))
                by_key[key].append(Violation(unknown_field_path(path, err.get("msg", "")),
                                             err.get("msg", "")))
        out = []
        for obj in objects:
            key = (str(obj.get("kind", "")), str((obj.get("metadata") or {}).get("name", "")),
                   str(obj.get("apiVersion", "")))
            out.append(by_key.get(key, []))
        return out
