"""Live vs target diffs from the managed-resources endpoint.

Argo CD sends each resource's normalized live state and its predicted live
state (target merged onto live, as a sync would leave it) as JSON strings.
Comparing those two, rather than raw live vs raw target, hides the fields
the cluster fills in and Argo CD's ignore rules, as the UI's diff does.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class ResourceDiff:
    group: str
    kind: str
    namespace: str
    name: str
    change: str  # "modified", "added" (not live yet) or "removed" (would be pruned)
    text: str  # unified diff, live first

    @property
    def ref(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{where}{self.name}"

    def to_dict(self) -> dict[str, str]:
        return {"ref": self.ref, "group": self.group, "kind": self.kind,
                "namespace": self.namespace, "name": self.name, "change": self.change,
                "diff": self.text}


def _state(text: Any) -> Any:
    if not text or text == "null":
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def _yaml_lines(obj: Any) -> list[str]:
    if obj is None:
        return []
    return yaml.safe_dump(obj, sort_keys=True, default_flow_style=False).splitlines(keepends=True)


def diffs_from_managed(items: list[dict]) -> list[ResourceDiff]:
    out: list[ResourceDiff] = []
    for item in items:
        if not isinstance(item, dict) or item.get("hook"):
            continue
        live = _state(item.get("normalizedLiveState")) or _state(item.get("liveState"))
        target = _state(item.get("predictedLiveState")) or _state(item.get("targetState"))
        if live is None and target is None:
            continue
        if live is None:
            change = "added"
        elif target is None:
            change = "removed"
        elif item.get("modified") or live != target:
            change = "modified"
        else:
            continue
        ref = f"{item.get('kind', '')}/{item.get('name', '')}"
        text = "".join(difflib.unified_diff(_yaml_lines(live), _yaml_lines(target),
                                            fromfile=f"live/{ref}", tofile=f"target/{ref}"))
        out.append(ResourceDiff(group=str(item.get("group") or ""),
                                kind=str(item.get("kind") or ""),
                                namespace=str(item.get("namespace") or ""),
                                name=str(item.get("name") or ""), change=change, text=text))
    return out
