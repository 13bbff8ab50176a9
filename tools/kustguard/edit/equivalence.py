"""Is the rendered output the same before and after an edit? Object by object."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from kustguard.edit.sandbox import Rendered


def _identity(obj: Any) -> tuple[str, str, str, str]:
    if not isinstance(obj, dict):
        return ("", "", "", repr(obj))
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    return (str(obj.get("apiVersion", "")), str(obj.get("kind", "")),
            str(meta.get("namespace") or ""), str(meta.get("name", "")))


def _label(ident: tuple[str, str, str, str]) -> str:
    _, kind, namespace, name = ident
    return f"{kind}/{namespace + '/' if namespace else ''}{name}"


def objects(text: str) -> list[tuple[tuple[str, str, str, str], Any]]:
    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    return sorted(((_identity(d), d) for d in docs), key=lambda pair: pair[0])


@dataclass
class Comparison:
    target: str
    objects: int = 0
    byte_identical: bool = False
    differences: list[str] | None = None
    error: str = ""

    @property
    def equivalent(self) -> bool:
        return not self.error and not self.differences

    def summary(self) -> str:
        if self.error:
            return f"{self.target}: {self.error}"
        if self.differences:
            return f"{self.target}: rendered output differs: {'; '.join(self.differences[:3])}"
        how = "byte-identical" if self.byte_identical else "identical object by object"
        return f"{self.target}: rendered output {how} ({self.objects} objects)"


def compare(before: Rendered, after: Rendered) -> Comparison:
    result = Comparison(before.target)
    if not before.ok:
        result.error = f"does not render before the edit: {before.error}"
        return result
    if not after.ok:
        result.error = f"does not render after the edit: {after.error}"
        return result
    old, new = objects(before.text), objects(after.text)
    result.objects = len(old)
    result.byte_identical = before.text == after.text
    old_map = dict(old)
    new_map = dict(new)
    diffs = []
    for ident in sorted(set(old_map) | set(new_map)):
        if ident not in new_map:
            diffs.append(f"{_label(ident)} disappears")
        elif ident not in old_map:
            diffs.append(f"{_label(ident)} appears")
        elif old_map[ident] != new_map[ident]:
            diffs.append(f"{_label(ident)} changes")
    if len(old) != len(old_map) or len(new) != len(new_map):
        if [d for _, d in old] != [d for _, d in new]:
            diffs.append("objects with the same identity differ")
    result.differences = diffs
    return result
