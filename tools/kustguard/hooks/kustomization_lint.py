"""Hook kustomization-lint: deprecated fields and unpinned remote bases.

Deprecated fields still render today, but kustomize warns about them and a
later release drops them; each finding gives the replacement, written out
from the file's own values. A remote base without a pinned ``ref`` renders
whatever its default branch holds on the day it is fetched.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import yaml

from kustguard import yamlload
from kustguard.errors import InputError
from kustguard.hooks.problems import Problem
from kustguard.kustomization import KUSTOMIZATION_NAMES, is_remote

# Fields whose entries may be remote bases.
REMOTE_FIELDS = ("resources", "bases", "components")
# Ref names that are branches, not pins: they move.
MOVING_REFS = frozenset({"main", "master", "head", "develop", "development", "trunk", "latest"})
_FILE_URL = re.compile(r"^https?://[^/]+/(?!.*//).*\.(ya?ml|json)$")

try:
    _ComposeLoader = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _ComposeLoader = yaml.SafeLoader


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=1_000_000, sort_keys=False)
    return text.strip().removesuffix("...").strip()


def _fix_bases(doc: dict) -> str:
    entries = [e for e in doc.get("bases") or [] if isinstance(e, str)]
    resources = [e for e in doc.get("resources") or [] if isinstance(e, str)]
    return f"move the entries to resources: resources: {_flow(resources + entries)}"


def _fix_strategic_merge(doc: dict) -> str:
    patches = []
    for entry in doc.get("patchesStrategicMerge") or []:
        if isinstance(entry, str) and "\n" not in entry.strip():
            patches.append({"path": entry})
        else:
            patches.append({"patch": "<the inline patch, as a block scalar>"})
    return f"use patches: {_flow(patches)}"


def _fix_json6902(doc: dict) -> str:
    patches = []
    for entry in doc.get("patchesJson6902") or []:
        if not isinstance(entry, dict):
            continue
        patch: dict[str, Any] = {}
        if "path" in entry:
            patch["path"] = entry["path"]
        elif "patch" in entry:
            patch["patch"] = "<the inline patch, as a block scalar>"
        target = entry.get("target")
        if isinstance(target, dict):
            patch["target"] = {k: target[k] for k in
                               ("group", "version", "kind", "name", "namespace") if k in target}
        patches.append(patch)
    return f"use patches: {_flow(patches)}"


def _fix_common_labels(doc: dict) -> str:
    pairs = doc.get("commonLabels") if isinstance(doc.get("commonLabels"), dict) else {}
    labels = [{"pairs": pairs, "includeSelectors": True}]
    return (f"use labels: {_flow(labels)} (includeSelectors: true keeps what commonLabels did; "
            "selectors of live workloads are immutable, so change it only for new ones)")


# field -> (why, fix from the document). `kustguard fix` (kustguard.edit)
# rewrites the AUTOMATIC ones, keeping comments and proving the output unchanged.
DEPRECATED = {
    "bases": ("merged into resources", _fix_bases),
    "patchesStrategicMerge": ("replaced by patches", _fix_strategic_merge),
    "patchesJson6902": ("replaced by patches", _fix_json6902),
    "commonLabels": ("replaced by labels", _fix_common_labels),
    "vars": ("replaced by replacements",
             lambda doc: "rewrite each var as a replacements: entry (source and targets)"),
    "imageTags": ("replaced by images", lambda doc: "rename the field to images:"),
    "helmChartInflationGenerator": ("replaced by helmCharts",
                                    lambda doc: "declare each chart under helmCharts:"),
}
AUTOMATIC = frozenset({"bases", "patchesStrategicMerge", "patchesJson6902", "commonLabels"})


def fix_command(field: str, display: str) -> str:
    if field in AUTOMATIC:
        return f"`kustguard fix {display}` does it for you"
    return "kustguard fix cannot do this one for you"


def unpinned_reason(url: str) -> str | None:
    """Why a remote entry is not pinned, or None when it is."""
    query = url.split("?", 1)[1] if "?" in url else ""
    params = parse_qs(query)
    ref = (params.get("ref") or params.get("version") or [""])[0]
    if ref:
        if ref.lower() in MOVING_REFS:
            return f"ref={ref} is a branch, it moves"
        return None
    if _FILE_URL.match(url.split("?", 1)[0]):
        moving = [s for s in url.split("?", 1)[0].split("/")[3:] if s.lower() in MOVING_REFS]
        return f"its URL follows the branch {moving[0]!r}" if moving else None
    return "it has no ref, so it follows the default branch"


def _top_level_lines(text: str) -> dict[str, tuple[int, yaml.Node]]:
    """Top-level key -> (line, value node) of a one-mapping YAML file."""
    node = yaml.compose(text, Loader=_ComposeLoader)
    if not isinstance(node, yaml.MappingNode):
        return {}
    out = {}
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode):
            out[key.value] = (key.start_mark.line + 1, value)
    return out


def lint_text(text: str, display: str) -> list[Problem]:
    """Problems of one kustomization file's text (already known to load)."""
    docs = list(yamlload.load_all(text, display))
    if not docs:
        return []
    if len(docs) > 1 or not isinstance(docs[0][2], dict):
        return [Problem(display, docs[0][1], "a kustomization must be one YAML mapping",
                        "keep one mapping in the file")]
    doc = docs[0][2]
    lines = _top_level_lines(text)
    problems = []
    for name, (why, fix) in DEPRECATED.items():
        if name in doc:
            problems.append(Problem(display, lines.get(name, (0, None))[0],
                                    f"{name} is deprecated ({why})",
                                    f"{fix(doc)}; {fix_command(name, display)}"))
    for name in REMOTE_FIELDS:
        value = lines.get(name, (0, None))[1]
        items = value.value if isinstance(value, yaml.SequenceNode) else []
        for item in items:
            if not isinstance(item, yaml.ScalarNode) or not is_remote(item.value):
                continue
            reason = unpinned_reason(item.value)
            if reason:
                problems.append(Problem(
                    display, item.start_mark.line + 1,
                    f"remote {name} entry {item.value!r} is not pinned: {reason}",
                    "add ?ref=<tag or commit> (a commit SHA is the strictest pin)"))
    problems += _unpinned_charts(doc, lines, display)
    return problems


def _unpinned_charts(doc: dict, lines: dict, display: str) -> Iterator[Problem]:
    charts = doc.get("helmCharts")
    if not isinstance(charts, list):
        return
    field_line, node = lines.get("helmCharts", (0, None))
    nodes = node.value if isinstance(node, yaml.SequenceNode) else []
    for i, chart in enumerate(charts):
        if isinstance(chart, dict) and chart.get("repo") and not chart.get("version"):
            line = nodes[i].start_mark.line + 1 if i < len(nodes) else field_line
            yield Problem(display, line,
                          f"helm chart {chart.get('name', '?')!r} from {chart['repo']} has no version",
                          "set version: to the chart release to render")


def is_kustomization(path: Path) -> bool:
    return path.name in KUSTOMIZATION_NAMES


def check_files(paths: Iterable[str], cwd: Path) -> list[Problem]:
    problems = []
    for rel in paths:
        path = cwd / rel
        if not is_kustomization(path) or not path.is_file():
            continue
        try:
            problems += lint_text(yamlload.decode(path.read_bytes(), rel), rel)
        except InputError as exc:
            problems.append(Problem.from_error(exc, rel))
        except OSError as exc:
            problems.append(Problem(rel, 0, f"cannot read: {exc.strerror}"))
    return problems
