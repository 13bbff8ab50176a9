"""Allowed values of Kubernetes' enum fields, for the strict core schemas.

The bundled core schemas type fields such as a container's
`imagePullPolicy`, a Service's `type` or an Ingress path's `pathType` as
plain strings, so `Allways` or `ClusterIp` pass. Kubernetes knows better:
k8s.io/api marks those string types `+enum`, their allowed values are the
constants of that type in the same package, and the API server publishes
them as `enum` in /openapi/v3 (an end-to-end test compares the two).

`generate` reads the Go sources of k8s.io/api at the pinned version and
writes one table per Kubernetes minor version, shipped in the package
(`kustguard/data/kubernetes-enums/`) with its provenance, since every
repository kustguard checks needs them; `apply` adds the enums to the
definitions of the core schema tree both backends read.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

ENUM_MARKER = re.compile(r"^\s*//\s*\+enum\s*$")
TYPE_DECL = re.compile(r"^type\s+(\w+)\s+string\s*$")
# `Name Type = "value"` or `Name = Type("value")`
CONST_VALUE = re.compile(r'^\s*\w+\s+(\w+)\s*=\s*"([^"]*)"|^\s*\w+\s*=\s*(\w+)\("([^"]*)"\)')
# `Name = Type(other.Name)` or `Name Type = other.Name`: a value named elsewhere
CONST_REF = re.compile(r'^\s*\w+\s*=\s*(\w+)\((?:\w+\.)?(\w+)\)|^\s*\w+\s+(\w+)\s*=\s*(?:\w+\.)?([A-Za-z_]\w*)\s*$')
# Every string constant of the module, by name, to resolve those references.
ANY_CONST = re.compile(r'^\s*(\w+)(?:\s+\w+)?\s*=\s*(?:\w+\()?"([^"]*)"\)?')
STRUCT_START = re.compile(r"^type\s+(\w+)\s+struct\s*{\s*$")
FIELD = re.compile(r'^\s*\w+\s+(\[\])?\*?((?:\w+\.)?\w+)\s+`json:"([^",]*)')
TABLES = Path(__file__).resolve().parents[1] / "data" / "kubernetes-enums"


def _package_enums(files: list[str], named: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Enum type name -> its constants' values, in source order."""
    marked: set[str] = set()
    for text in files:
        pending = False
        for line in text.splitlines():
            if ENUM_MARKER.match(line):
                pending = True
                continue
            if pending:
                declared = TYPE_DECL.match(line)
                if declared:
                    marked.add(declared.group(1))
                    pending = False
                elif not line.lstrip().startswith("//"):
                    pending = False
    values: dict[str, list[str]] = {name: [] for name in marked}
    for text in files:
        for line in text.splitlines():
            const = CONST_VALUE.match(line)
            if const:
                name, value = (const.group(1), const.group(2)) if const.group(1) \
                    else (const.group(3), const.group(4))
            else:
                ref = CONST_REF.match(line)
                if not ref or named is None:
                    continue
                name, target = (ref.group(1), ref.group(2)) if ref.group(1) \
                    else (ref.group(3), ref.group(4))
                if target not in named:
                    continue
                value = named[target]
            if name in values and value not in values[name]:
                values[name].append(value)
    return {name: vals for name, vals in values.items() if vals}


def _package_fields(files: list[str], enums: dict[str, list[str]],
                    imported: dict[str, list[str]] | None = None
                    ) -> dict[str, dict[str, dict[str, Any]]]:
    """Struct name -> JSON field name -> {"enum": [...], "array": bool}; a type
    qualified by another package (`v1.PersistentVolumeReclaimPolicy`) is
    looked up among every package's enums."""
    """Struct name -> JSON field name -> {"enum": [...], "array": bool}."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for text in files:
        struct = None
        for line in text.splitlines():
            start = STRUCT_START.match(line)
            if start:
                struct = start.group(1)
                continue
            if struct and line.startswith("}"):
                struct = None
                continue
            if not struct:
                continue
            field = FIELD.match(line)
            if not field or not field.group(3):
                continue
            qualifier, _, type_name = field.group(2).rpartition(".")
            values = (imported or {}).get(type_name) if qualifier else enums.get(type_name)
            if values:
                out.setdefault(struct, {})[field.group(3)] = {
                    "enum": values, "array": bool(field.group(1))}
    return out


def generate(api_dir: Path, module_version: str) -> dict[str, Any]:
    """The enum table of a k8s.io/api source tree (one Kubernetes version)."""
    definitions: dict[str, Any] = {}
    digest = hashlib.sha256()
    named: dict[str, str] = {}
    for path in sorted(api_dir.rglob("types.go")):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = ANY_CONST.match(line)
            if match:
                named.setdefault(match.group(1), match.group(2))
    packages = []
    every_enum: dict[str, list[str]] = {}
    for package in sorted({p.parent for p in api_dir.rglob("types.go")}):
        rel = package.relative_to(api_dir).as_posix()
        sources = sorted(p for p in package.glob("*.go") if not p.name.endswith("_test.go")
                         and not p.name.startswith("zz_generated"))
        texts = [p.read_text(encoding="utf-8") for p in sources]
        for path, text in zip(sources, texts):
            digest.update(path.relative_to(api_dir).as_posix().encode() + b"\0" + text.encode())
        enums = _package_enums(texts, named)
        for name, values in enums.items():
            every_enum.setdefault(name, values)
        packages.append((rel, texts, enums))
    for rel, texts, enums in packages:
        prefix = "io.k8s.api." + rel.replace("/", ".")
        for struct, fields in sorted(_package_fields(texts, enums, every_enum).items()):
            definitions[f"{prefix}.{struct}"] = dict(sorted(fields.items()))
    return {"from": f"k8s.io/api {module_version} (+enum types and their constants)",
            "sourcesSha256": digest.hexdigest(), "definitions": definitions}


def table_path(version: str) -> Path:
    return TABLES / f"v{version}.json"


def load_table(version: str) -> tuple[dict[str, Any], str]:
    """The table for a Kubernetes minor version and its digest ({} and '' if none)."""
    path = table_path(version)
    if not path.is_file():
        return {}, ""
    data = path.read_bytes()
    return json.loads(data), hashlib.sha256(data).hexdigest()[:12]


def apply(defs: dict[str, Any], table: dict[str, Any]) -> int:
    """Add each enum to the schema definitions; returns how many were set."""
    count = 0
    for name, fields in table.get("definitions", {}).items():
        props = (defs.get(name) or {}).get("properties") or {}
        for field, spec in fields.items():
            prop = props.get(field)
            if not isinstance(prop, dict):
                continue
            target = prop.get("items") if spec["array"] else prop
            if not isinstance(target, dict):
                continue
            # The strict schemas allow null where a field is optional.
            target["enum"] = list(spec["enum"]) + [None]
            count += 1
    return count
