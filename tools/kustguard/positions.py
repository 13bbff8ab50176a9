"""Line numbers of every field of a parsed document, kept from the one parse.

When the strict loader builds a document, it also records, in a flat array,
the line of every node in the order a walk of the *built object* visits them
(a mapping's values in key order, a list's items in order, each preceded by
its parent). Four bytes a node, no YAML node objects kept.

Finding a field's line walks the object along the field's path and skips the
preceding siblings by their node counts: the cost is the size of that one
object at most, never the size of the file or the number of documents in it.
"""
from __future__ import annotations

from array import array
from typing import Any

import yaml

FieldPath = tuple[Any, ...]


class Positions:
    """The object of one YAML document and the line of each of its nodes."""

    __slots__ = ("obj", "lines", "_ends")

    def __init__(self, obj: Any, lines: array) -> None:
        self.obj = obj
        self.lines = lines
        # Where each node's subtree ends in `lines`: built on the first lookup
        # (only documents with a finding pay for it), then a sibling is
        # skipped in one step.
        self._ends: array | None = None

    @property
    def line(self) -> int:
        """The document's first line."""
        return self.lines[0] if self.lines else 0

    def locate(self, path: FieldPath) -> tuple[int, int]:
        """(how many parts of `path` exist here, line of the deepest one).

        A mapping value's line is its key's line; a list item's is the item's
        first line. A part that is absent ends the walk.
        """
        if self._ends is None:
            self._ends = subtree_ends(self.obj)
        ends = self._ends
        node, at, depth = self.obj, 0, 0
        for part in path:
            if isinstance(node, dict) and isinstance(part, str):
                if part not in node:
                    break
                at += 1
                for key in node:
                    if key == part and isinstance(key, str):
                        break
                    at = ends[at]
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and not isinstance(part, bool) \
                    and 0 <= part < len(node):
                at += 1
                for _ in range(part):
                    at = ends[at]
                node = node[part]
            else:
                break
            depth += 1
        return depth, (self.lines[at] if at < len(self.lines) else self.line)


def subtree_ends(value: Any) -> array:
    """For each node in walk order, the index just past its subtree."""
    ends = array("I")
    # (value, index of its node) pairs; a None value closes the node.
    stack: list[tuple[Any, int]] = [(value, -1)]
    count = 0
    while stack:
        item, closing = stack.pop()
        if closing >= 0 and item is _CLOSE:
            ends[closing] = count
            continue
        index = count
        count += 1
        ends.append(0)
        stack.append((_CLOSE, index))
        if type(item) is dict:
            stack.extend((v, -1) for v in reversed(list(item.values())))
        elif type(item) is list:
            stack.extend((v, -1) for v in reversed(item))
    return ends


_CLOSE = object()


def node_count(value: Any) -> int:
    """Nodes of a built value, as the recording walk counts them."""
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        count += 1
        if type(item) is dict:
            stack.extend(item.values())
        elif type(item) is list:
            stack.extend(item)
    return count


def record(node: yaml.Node, obj: Any) -> Positions:
    """Positions of a composed document `node` that was built into `obj`."""
    lines = array("I")
    append = lines.append
    # (node or None, built value, line): a None node means the built value has
    # no node of its own to read lines from (a merge key's copy): its parent's
    # line stands for all of it.
    stack: list[tuple[yaml.Node | None, Any, int]] = [(node, obj, node.start_mark.line + 1)]
    pop, push = stack.pop, stack.append
    while stack:
        n, value, line = pop()
        append(line)
        kind = type(value)
        if kind is dict:
            children = _mapping_children(n, value, line)
        elif kind is list:
            if isinstance(n, yaml.SequenceNode) and len(n.value) == len(value):
                children = [(c, v, c.start_mark.line + 1) for c, v in zip(n.value, value)]
            else:
                children = [(None, v, line) for v in value]
        else:
            continue
        for child in reversed(children):
            push(child)
    return Positions(obj, lines)


def _mapping_children(n: yaml.Node | None, value: dict, line: int) -> list:
    if isinstance(n, yaml.MappingNode):
        pairs = n.value
        if len(pairs) == len(value):
            # No merge keys: the dict has the node's keys in the node's order.
            return [(v, item, k.start_mark.line + 1) for (k, v), item in zip(pairs, value.values())]
        # Merge keys: match by the key's text; the last pair wins, as in the dict.
        by_text = {k.value: (k, v) for k, v in pairs if isinstance(k, yaml.ScalarNode)}
        out = []
        for key, item in value.items():
            pair = by_text.get(key) if isinstance(key, str) else None
            out.append((pair[1], item, pair[0].start_mark.line + 1) if pair else (None, item, line))
        return out
    return [(None, item, line) for item in value.values()]
