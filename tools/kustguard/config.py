"""Repository settings: `[tool.kustguard]` in pyproject.toml, or .kustguard.toml.

    [tool.kustguard]
    fail-on = "info"                     # lowest severity that fails the run
    default-kubernetes-version = "1.32"
    schema-backend = "python"            # or "kubeconform"
    disable = ["probes-identical"]       # check ids switched off everywhere
    [tool.kustguard.severity]            # per-check severity overrides
    credential-values = "warning"
    [tool.kustguard.missing-schemas]     # a kind with no schema, per API group
    "example.com" = "warning"            # error (default), warning or ignore
    "*" = "error"                        # every other group
    [tool.kustguard.overlays."overlays/edge"]
    disable = ["..."]
    [[tool.kustguard.demo-keys]]
    path = "keys/demo.agekey"
    reason = "..."
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kustguard.errors import InputError
from kustguard.findings import Severity

CONFIG_FILES = (".kustguard.toml", "pyproject.toml")
BACKENDS = ("python", "kubeconform")
MISSING_SCHEMA_POLICIES = ("error", "warning", "ignore")


@dataclass
class Config:
    root: Path
    fail_on: Severity = Severity.INFO
    default_kubernetes_version: str = "1.32"
    schema_backend: str = "python"
    disable: set[str] = field(default_factory=set)
    severity: dict[str, Severity] = field(default_factory=dict)
    overlays: dict[str, dict[str, Any]] = field(default_factory=dict)
    demo_keys: list[dict[str, str]] = field(default_factory=list)
    # API group (or "*") -> error | warning | ignore, for kinds with no schema.
    missing_schemas: dict[str, str] = field(default_factory=dict)

    def missing_schema_policy(self, group: str) -> str:
        return self.missing_schemas.get(group, self.missing_schemas.get("*", "error"))

    def disabled_for(self, overlay: str) -> set[str]:
        return self.disable | set(self.overlays.get(overlay, {}).get("disable", []))


def find_repo_root(start: Path) -> Path:
    """The nearest folder holding kustguard settings, or an overlays/ folder."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".kustguard.toml").is_file():
            return folder
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and b"[tool.kustguard" in pyproject.read_bytes():
            return folder
    for folder in (start, *start.parents):
        if (folder / "overlays").is_dir() or (folder / ".git").exists():
            return folder
    return start


def load_config(root: Path) -> Config:
    table: dict[str, Any] = {}
    source = None
    for name in CONFIG_FILES:
        path = root / name
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"invalid TOML: {exc}", path, hint="fix the file") from None
        table = data if name == ".kustguard.toml" else data.get("tool", {}).get("kustguard", {})
        source = path
        if table:
            break
    try:
        cfg = Config(
            root=root,
            fail_on=Severity.parse(table.get("fail-on", "info")),
            default_kubernetes_version=str(table.get("default-kubernetes-version", "1.32")),
            schema_backend=str(table.get("schema-backend", "python")),
            disable=set(table.get("disable", [])),
            severity={k: Severity.parse(v) for k, v in table.get("severity", {}).items()},
            overlays=dict(table.get("overlays", {})),
            demo_keys=list(table.get("demo-keys", [])),
            missing_schemas={str(k): str(v) for k, v in table.get("missing-schemas", {}).items()},
        )
    except ValueError as exc:
        raise InputError(str(exc), source, hint="fix [tool.kustguard]") from None
    for group, policy in cfg.missing_schemas.items():
        if policy not in MISSING_SCHEMA_POLICIES:
            raise InputError(f"missing-schemas: {policy!r} for {group!r} is unknown", source,
                             hint=f"use one of {', '.join(MISSING_SCHEMA_POLICIES)}")
    if cfg.schema_backend not in BACKENDS:
        raise InputError(f"schema-backend {cfg.schema_backend!r} is unknown", source,
                         hint=f"use one of {', '.join(BACKENDS)}")
    return cfg
