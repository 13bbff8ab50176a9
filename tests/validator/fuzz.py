"""Seeded mutations of rendered objects: every JSON type at every field.

`mutants(obj, rng, count)` yields (description, mutated copy) pairs: a field
replaced by null, a bool, an int, a float, a string, a list or a mapping; a
key dropped; a mapping wrapped in a list; a list unwrapped to its first item.
Seeded sampling keeps the count bounded.
"""
from __future__ import annotations

import random
from typing import Any

Path = tuple[Any, ...]

REPLACEMENTS: dict[str, Any] = {
    "null": None, "bool": True, "int": 7, "float": 2.5, "string": "x",
    "list": ["x", {"name": 1}], "map": {"name": ["x"], "x": {"y": None}},
}
MUTATIONS = (*REPLACEMENTS, "drop", "wrap", "unwrap")


def clone(value: Any) -> Any:
    if type(value) is dict:
        return {k: clone(v) for k, v in value.items()}
    if type(value) is list:
        return [clone(v) for v in value]
    return value


def field_paths(obj: Any) -> list[tuple[Path, Any]]:
    """(path, value) of every field below the root, parents first."""
    out: list[tuple[Path, Any]] = []
    stack: list[tuple[Path, Any]] = [((), obj)]
    while stack:
        path, value = stack.pop()
        if path:
            out.append((path, value))
        if isinstance(value, dict):
            stack.extend((path + (k,), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend((path + (i,), v) for i, v in reversed(list(enumerate(value))))
    return out


def apply(obj: dict, path: Path, how: str) -> dict | None:
    """A mutated copy, or None when the mutation does not apply there."""
    out = clone(obj)
    parent = out
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    value = parent[last]
    if how == "drop":
        if isinstance(parent, dict):
            del parent[last]
        else:
            parent.pop(last)
    elif how == "wrap":
        if not isinstance(value, dict):
            return None
        parent[last] = [value]
    elif how == "unwrap":
        if not isinstance(value, list) or not value:
            return None
        parent[last] = value[0]
    else:
        parent[last] = clone(REPLACEMENTS[how])
    return out


def mutants(obj: dict, rng: random.Random, count: int) -> list[tuple[str, dict]]:
    """Up to `count` distinct mutants of `obj`, drawn (seeded) from every
    mutation at every field; half from fields holding a mapping or a list,
    where a wrong type breaks the most code, half from scalar fields."""
    paths = field_paths(obj)
    structural = [(p, how) for p, v in paths if isinstance(v, (dict, list)) for how in MUTATIONS]
    leaves = [(p, how) for p, v in paths if not isinstance(v, (dict, list)) for how in MUTATIONS]
    plans = rng.sample(structural, min((count + 1) // 2, len(structural)))
    plans += rng.sample(leaves, min(count - len(plans), len(leaves)))
    if len(plans) < count:
        rest = [p for p in structural if p not in plans]
        plans += rng.sample(rest, min(count - len(plans), len(rest)))
    out = []
    for path, how in plans:
        mutated = apply(obj, path, how)
        if mutated is not None:
            out.append((f"{how} at {'.'.join(map(str, path))}", mutated))
    return out
