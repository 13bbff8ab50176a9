"""Label selectors: parsing (with the API server's rules) and fast matching.

A LabelIndex maps every (key, value) and every key to the bitmask of the
objects carrying it, so a selector is evaluated with a few big-integer ANDs
instead of a loop over objects.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kustguard.netpol.bitsets import first_n
from kustguard.resources import FieldPath

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


class SelectorError(ValueError):
    """A selector the API server would refuse; path is inside the selector."""

    def __init__(self, message: str, path: FieldPath = ()) -> None:
        super().__init__(message)
        self.path = path


def label_text(value: Any) -> str:
    """A label value as the API server holds it (YAML may give bools or ints)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Selector:
    # Sorted (key, operator, values); matchLabels entries become In with one value.
    requirements: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    @property
    def matches_everything(self) -> bool:
        return not self.requirements

    def matches(self, labels: dict[str, str]) -> bool:
        """Direct evaluation, for one object (the index is for many)."""
        for key, op, values in self.requirements:
            present = key in labels
            value = label_text(labels.get(key))
            if op == "In" and not (present and value in values):
                return False
            if op == "NotIn" and present and value in values:
                return False
            if op == "Exists" and not present:
                return False
            if op == "DoesNotExist" and present:
                return False
        return True

    def describe(self) -> str:
        if not self.requirements:
            return "{}"
        parts = []
        for key, op, values in self.requirements:
            if op == "In" and len(values) == 1:
                parts.append(f"{key}={values[0]}")
            elif op == "Exists":
                parts.append(key)
            elif op == "DoesNotExist":
                parts.append(f"!{key}")
            else:
                parts.append(f"{key} {op.lower()} ({','.join(values)})")
        return ",".join(parts)


EVERYTHING = Selector()


_PARSED: dict[str, Selector] = {}


def parse_selector(raw: Any) -> Selector:
    """A LabelSelector mapping; `{}` and null select everything."""
    if raw is None:
        return EVERYTHING
    # Overlays repeat the same few selectors many times; parse each once.
    key = repr(raw)
    cached = _PARSED.get(key)
    if cached is None:
        cached = _parse_selector(raw)
        if len(_PARSED) < 100_000:
            _PARSED[key] = cached
    return cached


def _parse_selector(raw: Any) -> Selector:
    if not isinstance(raw, dict):
        raise SelectorError("a label selector must be a mapping")
    unknown = set(raw) - {"matchLabels", "matchExpressions"}
    if unknown:
        raise SelectorError(f"unknown selector field {sorted(unknown)[0]!r}", (sorted(unknown)[0],))
    reqs: set[tuple[str, str, tuple[str, ...]]] = set()
    labels = raw.get("matchLabels") or {}
    if not isinstance(labels, dict):
        raise SelectorError("matchLabels must be a mapping", ("matchLabels",))
    for key, value in labels.items():
        reqs.add((str(key), "In", (label_text(value),)))
    exprs = raw.get("matchExpressions") or []
    if not isinstance(exprs, list):
        raise SelectorError("matchExpressions must be a list", ("matchExpressions",))
    for i, expr in enumerate(exprs):
        where = ("matchExpressions", i)
        if not isinstance(expr, dict) or not expr.get("key"):
            raise SelectorError("an expression needs a key", where)
        op = expr.get("operator")
        values = expr.get("values") or []
        if op not in OPERATORS:
            raise SelectorError(f"operator {op!r} is not one of {', '.join(OPERATORS)}",
                                where + ("operator",))
        if not isinstance(values, list):
            raise SelectorError("values must be a list", where + ("values",))
        if op in ("In", "NotIn") and not values:
            raise SelectorError(f"operator {op} needs values", where)
        if op in ("Exists", "DoesNotExist") and values:
            raise SelectorError(f"operator {op} takes no values", where + ("values",))
        reqs.add((str(expr["key"]), op, tuple(sorted({label_text(v) for v in values}))))
    return Selector(tuple(sorted(reqs)))


class LabelIndex:
    """Bitmasks of labelled objects (numbered in the given order) per label."""

    def __init__(self, label_maps: list[dict[str, Any]]) -> None:
        self.all = first_n(len(label_maps))
        self._pairs: dict[tuple[str, str], int] = {}
        self._keys: dict[str, int] = {}
        for i, labels in enumerate(label_maps):
            bit = 1 << i
            for key, value in labels.items():
                key = str(key)
                pair = (key, label_text(value))
                self._pairs[pair] = self._pairs.get(pair, 0) | bit
                self._keys[key] = self._keys.get(key, 0) | bit
        self._cache: dict[Selector, int] = {}

    def select(self, selector: Selector) -> int:
        cached = self._cache.get(selector)
        if cached is not None:
            return cached
        mask = self.all
        for key, op, values in selector.requirements:
            if op in ("In", "NotIn"):
                hit = 0
                for value in values:
                    hit |= self._pairs.get((key, value), 0)
                # NotIn also matches objects without the key, as the API does.
                mask &= hit if op == "In" else self.all & ~hit
            elif op == "Exists":
                mask &= self._keys.get(key, 0)
            else:
                mask &= self.all & ~self._keys.get(key, 0)
            if not mask:
                break
        self._cache[selector] = mask
        return mask
