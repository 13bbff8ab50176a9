"""Schema validation by the kubeconform binary, on the same local schemas."""
from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from collections import defaultdict
from typing import Any

import yaml

from kustguard.errors import InputError
from kustguard.schema.catalog import SchemaCatalog
from kustguard.schema.violations import MISSING_SCHEMA, Violation, kubeconform_enum, unknown_field_path


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

    def run(self, stream: str | None = None, files: list[str] | None = None) -> list[dict[str, Any]]:
        cmd = [self.binary, "-strict", "-output", "json", "-verbose", "-n", str(self.workers)]
        for location in self.catalog.kubeconform_locations():
            cmd += ["-schema-location", location]
        cmd += files if files else ["-"]
        try:
            proc = subprocess.run(cmd, input=stream if not files else None, capture_output=True,
                                  text=True, timeout=600)
        except OSError as exc:
            raise InputError(f"cannot run kubeconform: {exc.strerror}", self.binary,
                             hint="run 'kustguard tools install'") from None
        try:
            return json.loads(proc.stdout).get("resources") or []
        except json.JSONDecodeError:
            first = (proc.stderr or proc.stdout).strip().splitlines()[:1]
            raise InputError(f"kubeconform failed: {first[0] if first else 'no output'}",
                             hint="run it by hand to see why") from None

    def validate_all(self, objects: list[dict[str, Any]]) -> list[list[Violation]]:
        """Violations per object, in order.

        kubeconform reports a resource by file, kind, name and version only, so
        objects sharing those (same name in two namespaces) go to different
        files: the n-th occurrence of a key goes to file n.
        """
        keys = [_key(obj) for obj in objects]
        seen: dict[tuple[str, str, str], int] = defaultdict(int)
        buckets: list[list[dict[str, Any]]] = []
        placement = []
        for obj, key in zip(objects, keys):
            n = seen[key]
            seen[key] += 1
            if n == len(buckets):
                buckets.append([])
            buckets[n].append(obj)
            placement.append(n)
        found: dict[tuple[int, tuple[str, str, str]], list[Violation]] = defaultdict(list)
        with tempfile.TemporaryDirectory(prefix="kustguard-kubeconform-") as tmp:
            files = []
            for n, bucket in enumerate(buckets):
                path = os.path.join(tmp, f"{n}.yaml")
                with open(path, "w", encoding="utf-8") as fh:
                    yaml.dump_all(bucket, fh, Dumper=_Dumper, sort_keys=False)
                files.append(path)
            for res in self.run(files=files) if files else []:
                status = res.get("status")
                if status in ("statusValid", "statusSkipped", "statusEmpty"):
                    continue
                n = int(os.path.basename(res.get("filename", "0.yaml")).split(".")[0])
                key = (res.get("kind", ""), res.get("name", ""), res.get("version", ""))
                found[(n, key)].extend(_violations(res, key))
        return [[_reworded(v, obj) for v in found.get((n, key), [])]
                for obj, n, key in zip(objects, placement, keys)]


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _value_at(obj: Any, path: tuple) -> Any:
    for part in path:
        if isinstance(obj, dict) and part in obj:
            obj = obj[part]
        elif isinstance(obj, list) and isinstance(part, int) and 0 <= part < len(obj):
            obj = obj[part]
        else:
            return None
    return obj


def _reworded(violation: Violation, obj: dict[str, Any]) -> Violation:
    """kubeconform's enum error names no value: say it as the other backend does."""
    message = kubeconform_enum(violation.message, _value_at(obj, violation.path))
    return Violation(violation.path, message) if message else violation


def _key(obj: dict[str, Any]) -> tuple[str, str, str]:
    return (str(obj.get("kind", "")), str((obj.get("metadata") or {}).get("name", "")),
            str(obj.get("apiVersion", "")))


def _violations(res: dict[str, Any], key: tuple[str, str, str]) -> list[Violation]:
    msg = res.get("msg", "")
    leaves = _LEAF.findall(msg)
    errors = [{"path": p, "msg": m.strip()} for p, m in leaves] or res.get("validationErrors") or []
    if not errors:
        if "could not find schema" in msg:
            return [Violation((), MISSING_SCHEMA.format(kind=key[0], api_version=key[2]),
                              missing_schema=True)]
        return [Violation((), msg)]
    out = []
    for err in errors:
        path = _path(err.get("path", ""))
        out.append(Violation(unknown_field_path(path, err.get("msg", "")), err.get("msg", "")))
    return out
