"""Repository settings: `[tool.kustguard]` in pyproject.toml, or .kustguard.toml.

    [tool.kustguard]
    entry-points = ["overlays/*", "argocd/*"]  # globs of the kustomizations to render
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
    [[tool.kustguard.exclude]]           # files no check reads, with the reason
    path = "tests/fixtures/**"
    reason = "..."
    [[tool.kustguard.demo-keys]]
    path = "keys/demo.agekey"
    reason = "..."

A key, check id, severity or backend that kustguard does not know is an
error (exit 2) naming it and the closest valid word.
"""
from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kustguard.errors import InputError
from kustguard.findings import Severity

CONFIG_FILES = (".kustguard.toml", "pyproject.toml")
BACKENDS = ("python", "kubeconform")
MISSING_SCHEMA_POLICIES = ("error", "warning", "ignore")
DEFAULT_ENTRY_POINTS = ("overlays/*", "argocd/*")
KEYS = ("entry-points", "fail-on", "default-kubernetes-version", "schema-backend", "disable",
        "severity", "overlays", "exclude", "demo-keys", "missing-schemas")
OVERLAY_KEYS = ("disable",)
SEVERITIES = tuple(str(s) for s in Severity)


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
    entry_points: tuple[str, ...] = DEFAULT_ENTRY_POINTS
    # Globs of repository files no check reads (path -> reason).
    exclude: dict[str, str] = field(default_factory=dict)
    # The file the settings came from (None: defaults).
    source: Path | None = None

    def disabled_for(self, overlay: str) -> set[str]:
        return self.disable | set(self.overlays.get(overlay, {}).get("disable", []))

    def check_ids(self) -> Iterable[tuple[str, str]]:
        """(id, where it is written) of every check id the settings name."""
        for check_id in sorted(self.disable):
            yield check_id, "disable"
        for check_id in sorted(self.severity):
            yield check_id, "severity"
        for name, table in sorted(self.overlays.items()):
            for check_id in table.get("disable", []):
                yield check_id, f"overlays.{name}.disable"


def closest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean X?)' for the valid word closest to `word`, or ''."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" (did you mean {match[0]!r}?)" if match else ""


def unknown(what: str, word: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    hint = closest(word, choices)
    if not hint and len(choices) <= 8:
        hint = f" (use one of: {', '.join(choices)})"
    return f"unknown {what} {word!r}{hint}"


def parse_severity(text: Any, where: str = "severity") -> Severity:
    try:
        return Severity.parse(str(text))
    except ValueError:
        raise ValueError(unknown(where, str(text), SEVERITIES)) from None


def find_repo_root(start: Path) -> Path:
    """The nearest folder holding kustguard settings, or a git work tree's root."""
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


def _read_table(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"invalid TOML: {exc}", path, hint="fix the file") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    if path.name == "pyproject.toml":
        return data.get("tool", {}).get("kustguard", {})
    return data


def load_config(root: Path, config_file: Path | None = None) -> Config:
    """The settings of the repository at root, or of an explicit file."""
    table: dict[str, Any] = {}
    source = None
    candidates = [config_file] if config_file is not None else [root / n for n in CONFIG_FILES]
    for path in candidates:
        if config_file is None and not path.is_file():
            continue
        table = _read_table(path)
        source = path
        if table or config_file is not None:
            break
    where = "[tool.kustguard]" if source is not None and source.name == "pyproject.toml" else "settings"
    try:
        return _parse(root, table, source)
    except ValueError as exc:
        raise InputError(str(exc), source, hint=f"fix {where}") from None


def _strings(table: dict[str, Any], key: str, default: Iterable[str] = ()) -> list[str]:
    value = table.get(key, list(default))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key} must be a list of strings")
    return value


def _excludes(entries: Any) -> dict[str, str]:
    out = {}
    for i, entry in enumerate(entries if isinstance(entries, list) else [entries]):
        if not isinstance(entry, dict) or not str(entry.get("path") or "").strip():
            raise ValueError(f"exclude entry {i + 1} names no path "
                             '(write it as {path = "tests/fixtures/**", reason = "..."})')
        unknown_keys = set(entry) - {"path", "reason"}
        if unknown_keys:
            word = sorted(unknown_keys)[0]
            raise ValueError(unknown("key in exclude", word, ("path", "reason")))
        if not str(entry.get("reason") or "").strip():
            raise ValueError(f"exclude entry {entry['path']!r} gives no reason "
                             "(say why no check needs these files)")
        out[str(entry["path"]).strip()] = str(entry["reason"]).strip()
    return out


def _missing_schemas(table: Any) -> dict[str, str]:
    if not isinstance(table, dict):
        raise ValueError('missing-schemas must be a table of API group = "error" | "warning" | "ignore"')
    out = {}
    for group, policy in table.items():
        if policy not in MISSING_SCHEMA_POLICIES:
            raise ValueError(f"missing-schemas: {policy!r} for {group!r} is unknown"
                             f"{closest(str(policy), MISSING_SCHEMA_POLICIES)}")
        out[str(group)] = str(policy)
    return out


def _parse(root: Path, table: dict[str, Any], source: Path | None) -> Config:
    for key in table:
        if key not in KEYS:
            raise ValueError(unknown("key", key, KEYS))
    overlays = table.get("overlays", {})
    if not isinstance(overlays, dict):
        raise ValueError("overlays must be a table of tables")
    for name, sub in overlays.items():
        for key in (sub if isinstance(sub, dict) else {}):
            if key not in OVERLAY_KEYS:
                raise ValueError(unknown(f"key in overlays.{name}", key, OVERLAY_KEYS))
    severity = table.get("severity", {})
    if not isinstance(severity, dict):
        raise ValueError("severity must be a table of check id = severity")
    cfg = Config(
        root=root,
        fail_on=parse_severity(table.get("fail-on", "info"), "fail-on severity"),
        default_kubernetes_version=str(table.get("default-kubernetes-version", "1.32")),
        schema_backend=str(table.get("schema-backend", "python")),
        disable=set(_strings(table, "disable")),
        severity={k: parse_severity(v, f"severity for {k}") for k, v in severity.items()},
        overlays=dict(overlays),
        demo_keys=list(table.get("demo-keys", [])),
        entry_points=tuple(_strings(table, "entry-points", DEFAULT_ENTRY_POINTS)),
        exclude=_excludes(table["exclude"]) if "exclude" in table else {},
        source=source,
        missing_schemas=_missing_schemas(table.get("missing-schemas", {})),
    )
    if cfg.schema_backend not in BACKENDS:
        raise ValueError(unknown("schema-backend", cfg.schema_backend, BACKENDS))
    if not cfg.entry_points:
        raise ValueError("entry-points is empty (give at least one glob, e.g. \"overlays/*\")")
    return cfg


def check_known_ids(config: Config, known: Iterable[str]) -> None:
    """InputError for the first check id the settings name that is not registered."""
    known = list(known)
    for check_id, where in config.check_ids():
        if check_id not in known:
            raise InputError(unknown(f"check id in {where}", check_id, known), config.source,
                             hint="`kustguard checks` lists the ids")
