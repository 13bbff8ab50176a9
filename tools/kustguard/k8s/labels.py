"""Label selectors as the API server evaluates them, written once.

A metav1.LabelSelector (``matchLabels`` and ``matchExpressions``) or a
Service's plain map selector parses into a ``Selector``: a sorted set of
requirements, ``matchLabels`` entries being ``In`` with one value. Label
values compare as the API server holds them, text (``label_text``), so a
YAML ``true`` and the string ``"true"`` are the same label. The Service,
PDB and HPA checks and the network-policy engine all use it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def parse_selector(raw: Any) -> Selector:
    """A LabelSelector mapping; `{}` and null select everything. Raises
    SelectorError for what the API server would refuse."""
    if raw is None:
        return EVERYTHING
    if not isinstance(raw, dict):
        raise SelectorError("a label selector must be a mapping")
    unknown = set(raw) - {"matchLabels", "matchExpressions"}
    if unknown:
        raise SelectorError(f"unknown selector field {sorted(unknown)[0]!r}", (sorted(unknown)[0],))
    reqs: set[tuple[str, str, tuple[str, ...]]] = set()
    labels = {} if raw.get("matchLabels") is None else raw["matchLabels"]
    if not isinstance(labels, dict):
        raise SelectorError("matchLabels must be a mapping", ("matchLabels",))
    for key, value in labels.items():
        reqs.add((str(key), "In", (label_text(value),)))
    exprs = [] if raw.get("matchExpressions") is None else raw["matchExpressions"]
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


def map_selector(raw: Any) -> Selector:
    """A Service's or a ReplicationController's selector: a plain label map."""
    if not isinstance(raw, dict):
        raise SelectorError("a map selector must be a mapping")
    return Selector(tuple(sorted((str(k), "In", (label_text(v),)) for k, v in raw.items())))


def selects(raw: Any, labels: dict[str, Any]) -> bool:
    """Whether a LabelSelector mapping selects these labels; a selector the
    API server would refuse selects nothing (the schema check reports it)."""
    try:
        selector = parse_selector(raw)
    except SelectorError:
        return False
    return selector.matches({str(k): label_text(v) for k, v in labels.items()})
