"""Minimal-diff YAML editing: find where each node sits, splice new text there.

A round-trip dump (even ruamel.yaml's) re-indents sequences, re-flows flow
collections and re-quotes strings. Edits here never dump: ruamel.yaml's
parser only says where every node starts and ends, the new value is spliced
into the original text at exactly those characters, and everything else
(comments, key order, quoting, indentation, anchors) stays byte-identical.
Every edit is checked afterwards by re-parsing (see `check_result`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Union

import yaml
from ruamel.yaml import YAML
from ruamel.yaml import events as ev
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from kustguard.errors import InputError


class CannotRewrite(InputError):
    """The file's shape does not allow a minimal text edit: exit 2, edit by hand."""


@dataclass
class Scalar:
    value: str
    style: str | None  # None (plain), "'", '"', "|" or ">"
    start: int  # first character, including &anchor / !tag properties
    end: int  # one past the last character (block scalars: start of the next line)
    anchor: str | None = None
    tag: str | None = None
    text_start: int = 0  # first character of the scalar itself, after its properties

    @property
    def is_null(self) -> bool:
        return self.style is None and self.value in ("", "~", "null", "Null", "NULL")


@dataclass
class Alias:
    name: str
    start: int
    end: int
    target: "Node | None" = None


@dataclass
class Pair:
    key: "Node"
    value: "Node"


@dataclass
class Mapping:
    start: int
    end: int
    flow: bool
    items: list[Pair] = field(default_factory=list)
    anchor: str | None = None

    def get(self, key: str) -> Pair | None:
        for pair in self.items:
            if isinstance(pair.key, Scalar) and pair.key.value == key:
                return pair
        return None


@dataclass
class Sequence:
    start: int
    end: int
    flow: bool
    items: list["Node"] = field(default_factory=list)
    anchor: str | None = None


Node = Union[Scalar, Alias, Mapping, Sequence]


def resolve(node: Node | None) -> Node | None:
    """The node an alias stands for (the node itself otherwise)."""
    while isinstance(node, Alias):
        node = node.target
    return node


def scalar_value(node: Node | None) -> str | None:
    """The string of a (possibly aliased) non-null scalar, else None."""
    node = resolve(node)
    if isinstance(node, Scalar) and not node.is_null:
        return node.value
    return None


# ---------------------------------------------------------------- locating

_PROPERTY = re.compile(r"(?:[&!][^\s]*\s+)*")


def locate(text: str, display: str) -> Node | None:
    """The root node of the one document in `text`, with positions; None if empty."""
    try:
        events = list(YAML().parse(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InputError(f"invalid YAML: {exc.problem or exc.context}", display,
                         mark.line + 1 if mark else None, "fix the syntax first") from None
    except YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", display) from None
    docs = sum(isinstance(e, ev.DocumentStartEvent) for e in events)
    if docs > 1:
        raise InputError("holds several YAML documents; expected one", display)
    builder = _Builder(text, events)
    return builder.document()


class _Builder:
    def __init__(self, text: str, events: list) -> None:
        self.text = text
        self.events = events
        self.i = 0
        self.anchors: dict[str, Node] = {}

    def _next(self):
        event = self.events[self.i]
        self.i += 1
        return event

    def document(self) -> Node | None:
        root = None
        while self.i < len(self.events):
            event = self.events[self.i]
            if isinstance(event, (ev.ScalarEvent, ev.AliasEvent, ev.MappingStartEvent,
                                  ev.SequenceStartEvent)):
                root = self.node()
            else:
                self.i += 1
        return root

    def node(self) -> Node:
        event = self._next()
        if isinstance(event, ev.AliasEvent):
            return Alias(event.anchor, event.start_mark.index, event.end_mark.index,
                         self.anchors.get(event.anchor))
        if isinstance(event, ev.ScalarEvent):
            start = event.start_mark.index
            text_start = start
            if event.anchor or (event.tag and self.text[start] == "!"):
                text_start = _PROPERTY.match(self.text, start).end()
            node: Node = Scalar(event.value, event.style, start, event.end_mark.index,
                                event.anchor, event.tag, text_start)
        elif isinstance(event, ev.MappingStartEvent):
            node = Mapping(event.start_mark.index, event.end_mark.index,
                           bool(event.flow_style), anchor=event.anchor)
            while not isinstance(self.events[self.i], ev.MappingEndEvent):
                key = self.node()
                node.items.append(Pair(key, self.node()))
            end = self._next()
            node.end = end.end_mark.index if node.flow else _last_end(node)
        elif isinstance(event, ev.SequenceStartEvent):
            node = Sequence(event.start_mark.index, event.end_mark.index,
                            bool(event.flow_style), anchor=event.anchor)
            while not isinstance(self.events[self.i], ev.SequenceEndEvent):
                node.items.append(self.node())
            end = self._next()
            node.end = end.end_mark.index if node.flow else _last_end(node)
        else:  # pragma: no cover - the parser yields nothing else here
            raise InputError(f"unexpected YAML event {type(event).__name__}")
        if node.anchor:
            self.anchors[node.anchor] = node
        return node


def _last_end(node: Mapping | Sequence) -> int:
    if isinstance(node, Mapping):
        return node.items[-1].value.end if node.items else node.start
    return node.items[-1].end if node.items else node.start


# ---------------------------------------------------------------- text positions

def line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def line_after(text: str, index: int) -> int:
    """Index just past the newline ending the line that holds `index`."""
    nl = text.find("\n", index)
    return len(text) if nl < 0 else nl + 1


def column(text: str, index: int) -> int:
    return index - line_start(text, index)


def line_number(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def last_line_after(text: str, node: Node) -> int:
    """Index just past the last line a node's text runs on (its trailing comment included)."""
    return line_after(text, max(node.start, node.end - 1))


def dash_of(text: str, item: Node) -> int:
    """Position of the `-` introducing a block sequence item."""
    i = item.start - 1
    while i >= 0 and text[i] in " \t\r\n":
        i -= 1
    if i < 0 or text[i] != "-":
        raise CannotRewrite("a block sequence item without its dash where expected",
                            hint="edit this list by hand")
    return i


def block_column(text: str, node: Mapping | Sequence) -> int:
    """Column of a non-empty block collection's keys (mapping) or dashes (sequence);
    its start may be an &anchor on the line above."""
    if isinstance(node, Mapping):
        return column(text, node.items[0].key.start)
    return column(text, dash_of(text, node.items[0]))


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def starts_its_line(text: str, index: int) -> bool:
    return text[line_start(text, index):index].strip() == ""


def shift_lines(block: str, delta: int) -> str:
    """Indent every non-blank line of `block` by `delta` columns (negative: dedent)."""
    out = []
    for line in block.splitlines(keepends=True):
        if not line.strip():
            out.append(line)
        elif delta >= 0:
            out.append(" " * delta + line)
        else:
            spaces = len(line) - len(line.lstrip(" "))
            if spaces < -delta and not line.lstrip().startswith("#"):
                raise CannotRewrite("cannot dedent a block without changing its meaning",
                                    hint="edit this list by hand")
            out.append(line[min(spaces, -delta):])
    return "".join(out)


# ---------------------------------------------------------------- splices

@dataclass(frozen=True)
class Splice:
    start: int
    end: int
    text: str


def apply(text: str, splices: list[Splice]) -> str:
    """Replace each [start, end) by its text; insertions at a point go before a
    replacement starting there. Overlapping splices are a programming error."""
    out = []
    pos = 0
    for s in sorted(splices, key=lambda s: (s.start, s.end != s.start)):
        if s.start < pos:
            raise CannotRewrite("two edits overlap in one place", hint="edit the file by hand")
        out.append(text[pos:s.start])
        out.append(s.text)
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


# ---------------------------------------------------------------- scalars

def _round_trips(candidate: str, value: str, flow: bool) -> bool:
    doc = f"{{k: {candidate}}}" if flow else f"k: {candidate}\n"
    try:
        old = yaml.safe_load(doc)  # YAML 1.1, as many readers still are
        new = YAML(typ="safe", pure=True).load(doc)  # YAML 1.2
    except Exception:  # noqa: BLE001 - any failure means: not this style
        return False
    return old == {"k": value} and new == {"k": value}


def scalar_text(value: str, style: str | None, *, flow: bool) -> str:
    """`value` written in the same quoting style where that reads back as the
    same string; otherwise double-quoted."""
    if style == "'" and "\n" not in value:
        candidate = "'" + value.replace("'", "''") + "'"
    elif style is None:
        candidate = value
    else:
        candidate = None
    if candidate is not None and _round_trips(candidate, value, flow):
        return candidate
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if not _round_trips(quoted, value, flow):  # pragma: no cover - control characters
        raise CannotRewrite(f"cannot write {value!r} as a YAML string")
    return quoted


def block_scalar_text(value: str, indent: int, nl: str) -> str:
    """`value` as a literal block scalar whose lines sit at `indent` columns,
    ending with a newline."""
    if value.endswith("\n\n"):
        chomp = "+"
    elif value.endswith("\n"):
        chomp = ""
    else:
        chomp = "-"
    body = value[:-1] if value.endswith("\n") else value
    lines = body.split("\n")
    if lines[0].startswith(" "):
        raise CannotRewrite("an inline patch whose first line starts with spaces",
                            hint="edit it by hand")
    header = "|" + chomp
    out = [header + nl]
    for line in lines:
        out.append((" " * indent + line if line else "") + nl)
    return "".join(out)


# ---------------------------------------------------------------- checking

def plain_data(text: str, display: str) -> Any:
    """The document as plain Python data (aliases and merge keys resolved)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", display) from None


def check_result(new_text: str, expected: Any, display: str, what: str) -> None:
    """Refuse an edit whose text does not read back as exactly the intended data."""
    try:
        got = yaml.safe_load(new_text)
    except yaml.YAMLError:
        got = _UNREADABLE
    if got != expected:
        raise CannotRewrite(f"{what}: a minimal text edit would not mean the intended change "
                            "(anchors, aliases or merge keys share the value)", display,
                            hint="edit the file by hand")


_UNREADABLE = object()
