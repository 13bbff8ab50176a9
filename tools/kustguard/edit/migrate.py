"""Rewrite deprecated kustomization fields in a file's text, keeping comments.

Each migration merges several top-level lists into one, in the order that
keeps kustomize's behaviour:

    resources = resources + bases
    patches   = patchesStrategicMerge + patches + patchesJson6902
    labels    = labels + [{includeSelectors: true, pairs: commonLabels}]

(kustomize applies strategic-merge patches before `patches:` and JSON 6902
patches after them; `kustomize edit fix` puts both after, which can change
the output when patches touch the same field.)

One list is the *host*: it keeps its place in the file, is renamed to the
new field if needed, and receives the other lists' items, which move with
their comments; the other fields are deleted. Existing items are never
rewritten, so the diff shows only moved and converted lines. The result is
checked against the same migration done on plain data (`model`); a file
whose anchors or odd layout would make the text edit mean something else is
refused (CannotRewrite).
"""
from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kustguard.edit import yamledit as ye
from kustguard.edit.yamledit import CannotRewrite, Mapping, Node, Pair, Scalar, Sequence
from kustguard.errors import InputError

# Deprecated field -> the field that replaces it.
FIXABLE = {
    "bases": "resources",
    "patchesStrategicMerge": "patches",
    "patchesJson6902": "patches",
    "commonLabels": "labels",
}
# Deprecated fields that need a person: no mechanical rewrite is faithful.
MANUAL = {"vars": "replacements"}


@dataclass
class Item:
    """One list item, as full block lines (dash at `dash_col`) and/or flow text."""

    block: str | None = None
    dash_col: int = 0
    flow: str | None = None
    comment: str | None = None  # a carried comment line, not an item

    def as_block(self, col: int, nl: str) -> str:
        if self.comment is not None:
            return f"{' ' * col}{self.comment}{nl}"
        if self.block is not None:
            return ye.shift_lines(self.block, col - self.dash_col)
        return f"{' ' * col}- {self.flow}{nl}"

    def as_flow(self) -> str:
        if self.flow is None:
            raise CannotRewrite("a multi-line list item cannot move into a flow list [...]",
                                hint="turn the flow list into a block list first")
        return self.flow


@dataclass(frozen=True)
class Source:
    key: str
    # (text, pair, nl, display) -> items in text order
    items: Callable[..., list[Item]]
    # the same conversion on plain data
    model: Callable[[Any], list[Any]]


@dataclass
class Migration:
    target: str
    sources: tuple[Source, ...]

    @property
    def deprecated(self) -> list[str]:
        return [s.key for s in self.sources if s.key != self.target]


# ---------------------------------------------------------------- items of a source

def _single_line(text: str, node: Node) -> str | None:
    if isinstance(node, Scalar) and node.style in ("|", ">"):
        return None
    src = text[node.start:node.end]
    if isinstance(node, Mapping | Sequence) and not node.flow:
        return None
    return src if "\n" not in src else None


def _sequence_items(text: str, pair: Pair, nl: str, display: str,
                    convert: Callable[[str, Node, int, str], tuple[list[ye.Splice], str | None]]
                    ) -> list[Item]:
    """Items of a list value; `convert(text, item, item_col, nl)` gives splices
    inside the item and its flow text."""
    value = pair.value
    if isinstance(value, Scalar) and value.is_null:
        return []
    if not isinstance(value, Sequence):
        raise InputError(f"{_key(pair)} is not a list", display,
                         ye.line_number(text, pair.key.start), "make it a list first")
    items = []
    if value.flow:
        for node in value.items:
            _, flow = convert(text, node, ye.column(text, node.start), nl)
            items.append(Item(flow=flow))
        return items
    region_start = ye.line_after(text, pair.key.start)
    for node in value.items:
        dash = ye.dash_of(text, node)
        end = ye.last_line_after(text, node)
        splices, flow = convert(text, node, ye.column(text, node.start), nl)
        local = [ye.Splice(s.start - region_start, s.end - region_start, s.text) for s in splices]
        block = ye.apply(text[region_start:end], local)
        items.append(Item(block=block, dash_col=ye.column(text, dash), flow=flow))
        region_start = end
    return items


def _keep(text: str, node: Node, col: int, nl: str) -> tuple[list[ye.Splice], str | None]:
    return [], _single_line(text, node)


def _keep_items(text: str, pair: Pair, nl: str, display: str) -> list[Item]:
    return _sequence_items(text, pair, nl, display, _keep)


def _keep_model(value: Any) -> list[Any]:
    return list(value or [])


def _strategic_merge(text: str, node: Node, col: int, nl: str) -> tuple[list[ye.Splice], str | None]:
    if not isinstance(node, Scalar):
        raise CannotRewrite("a patchesStrategicMerge entry that is not a string",
                            hint="edit it by hand")
    if "\n" not in node.value and node.style not in ("|", ">"):
        src = text[node.start:node.end]
        return [ye.Splice(node.start, node.start, "path: ")], "{path: " + src + "}"
    end = node.end
    if node.style not in ("|", ">"):
        raise CannotRewrite("an inline patch written as a quoted multi-line string",
                            hint="write it as a block scalar (|) first")
    return ([ye.Splice(node.start, end, "patch: " + ye.block_scalar_text(node.value, col + 2, nl))],
            "{patch: " + json.dumps(node.value) + "}")


def _strategic_merge_items(text: str, pair: Pair, nl: str, display: str) -> list[Item]:
    return _sequence_items(text, pair, nl, display, _strategic_merge)


def _strategic_merge_model(value: Any) -> list[Any]:
    out = []
    for entry in value or []:
        if not isinstance(entry, str):
            raise CannotRewrite("a patchesStrategicMerge entry that is not a string")
        out.append({"path": entry} if "\n" not in entry else {"patch": entry})
    return out


def _labels_items(text: str, pair: Pair, nl: str, display: str) -> list[Item]:
    value = pair.value
    if isinstance(value, Scalar) and value.is_null:
        return []
    if not isinstance(value, Mapping):
        raise InputError("commonLabels is not a mapping", display,
                         ye.line_number(text, pair.key.start), "fix it first")
    if not value.items:
        return []
    if value.flow:
        src = text[value.start:value.end]
        if "\n" in src:
            raise CannotRewrite("commonLabels is a flow mapping over several lines", display,
                                ye.line_number(text, value.start), "write it on one line first")
        return [Item(flow="{includeSelectors: true, pairs: " + src + "}")]
    body_start = ye.line_after(text, pair.key.start)
    body = text[body_start:ye.last_line_after(text, value)]
    col = ye.block_column(text, value)
    anchor = f" &{value.anchor}" if value.anchor else ""
    head = f"{' ' * col}- includeSelectors: true{nl}{' ' * (col + 2)}pairs:{anchor}{nl}"
    return [Item(block=head + ye.shift_lines(body, 4), dash_col=col)]


def _labels_model(value: Any) -> list[Any]:
    return [{"includeSelectors": True, "pairs": value}] if value else []


MIGRATIONS = (
    Migration("resources", (Source("resources", _keep_items, _keep_model),
                            Source("bases", _keep_items, _keep_model))),
    Migration("patches", (Source("patchesStrategicMerge", _strategic_merge_items, _strategic_merge_model),
                          Source("patches", _keep_items, _keep_model),
                          Source("patchesJson6902", _keep_items, _keep_model))),
    Migration("labels", (Source("labels", _keep_items, _keep_model),
                         Source("commonLabels", _labels_items, _labels_model))),
)


# ---------------------------------------------------------------- one migration on text

def _key(pair: Pair) -> str:
    return pair.key.value if isinstance(pair.key, Scalar) else "?"


def _carried_comments(text: str, pair: Pair, root: Mapping) -> tuple[int, list[str]]:
    """(start of the lines that go with the pair, comments to carry along):
    own-line comments right above the key (not the file's header) and the
    comment at the end of the key's line."""
    comments = []
    start = ye.line_start(text, pair.key.start)
    if root.items[0] is not pair:
        above = start
        lines = []
        while above > 0:
            prev = ye.line_start(text, above - 1)
            line = text[prev:above].strip()
            if not line.startswith("#"):
                break
            lines.insert(0, line)
            above = prev
        if lines and above > 0:
            comments, start = lines, above
    value = pair.value
    after = value.end if isinstance(value, Mapping | Sequence) and value.flow else pair.key.end
    if isinstance(value, Scalar) and not value.is_null:
        after = value.end
    rest = text[after:ye.line_after(text, after)]
    if "#" in rest:
        comments.append(rest[rest.index("#"):].rstrip())
    return start, comments


def _pair_end(text: str, pair: Pair) -> int:
    value = pair.value
    if isinstance(value, Scalar) and value.is_null:
        return ye.line_after(text, pair.key.start)
    end = ye.last_line_after(text, value)
    tail = text[value.end:end].strip()
    if tail and not tail.startswith("#"):
        raise CannotRewrite(f"something follows {_key(pair)}'s value on its line",
                            hint="edit the file by hand")
    return end


def _is_block_list(value: Node) -> bool:
    return isinstance(value, Sequence | Mapping) and not value.flow and bool(value.items)


def _is_flow_value(value: Node) -> bool:
    return isinstance(value, Sequence | Mapping) and value.flow


def _choose_host(present: list[tuple[Source, Pair]], target: str) -> tuple[Source, Pair] | None:
    by_key = {s.key: (s, p) for s, p in present}
    if target in by_key and _is_block_list(by_key[target][1].value):
        return by_key[target]
    for source, pair in present:
        if _is_block_list(pair.value):
            return source, pair
    if target in by_key and _is_flow_value(by_key[target][1].value):
        return by_key[target]
    for source, pair in present:
        if _is_flow_value(pair.value) and pair.value.items:
            return source, pair
    return None


def migrate_once(text: str, migration: Migration, display: str) -> str:
    root = ye.locate(text, display)
    if not isinstance(root, Mapping):
        return text
    present = [(s, root.get(s.key)) for s in migration.sources if root.get(s.key) is not None]
    if not any(s.key != migration.target for s, _ in present):
        return text
    if root.flow:
        raise CannotRewrite("the kustomization is one flow mapping {...}", display,
                            hint="write it in block style first")
    nl = ye.newline_of(text)
    host = _choose_host(present, migration.target)
    splices: list[ye.Splice] = []
    before: list[Item] = []
    after: list[Item] = []
    host_items: list[Item] = []
    seen_host = False
    for source, pair in present:
        if not ye.starts_its_line(text, pair.key.start):
            raise CannotRewrite(f"{source.key} does not start its line", display,
                                ye.line_number(text, pair.key.start), "edit the file by hand")
        items = source.items(text, pair, nl, display)
        if host is not None and pair is host[1]:
            host_items, seen_host = items, True
            continue
        start, comments = _carried_comments(text, pair, root)
        splices.append(ye.Splice(start, _pair_end(text, pair), ""))
        (after if seen_host else before).extend([Item(comment=c) for c in comments] + items)
    if host is None:
        return ye.apply(text, splices)
    source, pair = host
    if source.key != migration.target:
        splices.append(ye.Splice(pair.key.start, pair.key.end, migration.target))
    value = pair.value
    if _is_flow_value(value):
        splices += _flow_host(text, pair, source, host_items, before, after, nl)
    else:
        if isinstance(value, Mapping) and value.anchor:  # it moves to the item's pairs:
            splices.append(ye.Splice(pair.key.end + 1, value.start + 1 + len(value.anchor), ""))
        col = ye.block_column(text, value)
        region = (ye.line_after(text, pair.key.start), ye.last_line_after(text, value))
        new = "".join(i.as_block(col, nl) for i in before + host_items + after)
        if new != text[region[0]:region[1]]:
            splices.append(ye.Splice(region[0], region[1], new))
    return ye.apply(text, splices)


def _flow_host(text: str, pair: Pair, source: Source, host_items: list[Item],
               before: list[Item], after: list[Item], nl: str) -> list[ye.Splice]:
    value = pair.value
    comments = [i for i in before + after if i.comment is not None]
    before = [i for i in before if i.comment is None]
    after = [i for i in after if i.comment is None]
    splices = []
    if comments:
        key_start = ye.line_start(text, pair.key.start)
        col = ye.column(text, pair.key.start)
        splices.append(ye.Splice(key_start, key_start,
                                 "".join(c.as_block(col, nl) for c in comments)))
    unchanged = isinstance(value, Sequence) and [i.flow for i in host_items] == [
        text[n.start:n.end] for n in value.items]
    if unchanged and value.items:
        if before:
            first = value.items[0].start
            splices.append(ye.Splice(first, first, "".join(i.as_flow() + ", " for i in before)))
        if after:
            last = value.items[-1].end
            splices.append(ye.Splice(last, last, "".join(", " + i.as_flow() for i in after)))
        return splices
    items = [i.as_flow() for i in before + host_items + after]
    splices.append(ye.Splice(value.start, value.end, "[" + ", ".join(items) + "]"))
    return splices


# ---------------------------------------------------------------- the model

def model(doc: dict[str, Any], migrations: tuple[Migration, ...] = MIGRATIONS) -> dict[str, Any]:
    """The migrations on plain data: what the rewritten text must read back as."""
    doc = copy.deepcopy(doc)
    for migration in migrations:
        if not any(k in doc for k in migration.deprecated):
            continue
        items: list[Any] = []
        for source in migration.sources:
            items += source.model(doc.get(source.key))
        for key in migration.deprecated:
            doc.pop(key, None)
        if items:
            doc[migration.target] = items
    return doc


# ---------------------------------------------------------------- whole file

@dataclass
class Migrated:
    text: str
    fixed: list[str] = field(default_factory=list)  # deprecated fields rewritten
    manual: list[tuple[str, int]] = field(default_factory=list)  # (field, line) left for a person


def migrate(text: str, display: str) -> Migrated:
    data = ye.plain_data(text, display)
    if not isinstance(data, dict):
        return Migrated(text)
    result = Migrated(text)
    root = ye.locate(text, display)
    for name in MANUAL:
        pair = root.get(name) if isinstance(root, Mapping) else None
        if pair is not None:
            result.manual.append((name, ye.line_number(text, pair.key.start)))
    for migration in MIGRATIONS:
        found = [k for k in migration.deprecated if k in data]
        if not found:
            continue
        result.text = migrate_once(result.text, migration, display)
        result.fixed += found
    if result.fixed:
        ye.check_result(result.text, model(data), display, "migrating " + ", ".join(result.fixed))
    return result
