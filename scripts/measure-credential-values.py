#!/usr/bin/env python3
"""How often credential-values flags this repository's rendered output.

Renders every entry point (secrets shape-only), then counts every name/value
pair the check looks at (literal env values, NAME=value and --flag=value
arguments, ConfigMap keys and the settings of embedded config files) and how
many of them it flags. Run from the repository root with the project's venv:

    .venv/bin/python scripts/measure-credential-values.py
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from kustguard.checks._containers import env_entries, iter_containers, string_list
from kustguard.checks.credential_values import CONFIG_LINE, _tokens, classify
from kustguard.config import load_config
from kustguard.discover import discover
from kustguard.pipeline import load_overlays, make_engine


def pairs(overlay):
    for workload in overlay.index.workloads():
        for c in iter_containers(workload):
            for _, entry in env_entries(c.container):
                if entry.get("value") is not None and not isinstance(entry.get("valueFrom"), dict):
                    yield str(entry["name"]), str(entry["value"])
            for field in ("command", "args"):
                for item in string_list(c.container.get(field)):
                    for token in _tokens(item):
                        name, eq, value = token.lstrip("-").partition("=")
                        if eq and re.match(r"^[A-Za-z_][\w.\-]*$", name):
                            yield name, value
    for cm in overlay.index.of_kind("ConfigMap"):
        for key, value in (cm.get("data") or {}).items():
            text = "" if value is None else str(value)
            if "\n" not in text.strip():
                yield str(key), text
            for line in text.splitlines():
                m = CONFIG_LINE.match(line)
                if m and not line.strip().startswith(("#", "//", ";")):
                    yield m.group(1), m.group(2)


def main() -> int:
    root = Path.cwd()
    engine, _ = make_engine(root)
    overlays = load_overlays(root, discover(root), load_config(root), engine=engine)
    seen, flagged = set(), []
    for overlay in overlays:
        if overlay.index is None:
            print(f"{overlay.name}: not rendered: {overlay.error}", file=sys.stderr)
            continue
        for name, value in pairs(overlay):
            if (name, value) in seen:
                continue
            seen.add((name, value))
            if classify(name, value):
                flagged.append(name)
    print(f"{len(overlays)} entry points, {len(seen)} distinct name/value pairs, "
          f"{len(flagged)} flagged: {', '.join(sorted(flagged)) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
