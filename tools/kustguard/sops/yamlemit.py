"""Write decrypted SOPS trees as YAML, byte for byte as `sops decrypt` does.

sops turns its tree into go-yaml v3 nodes (comments become head comments
of the next entry, trailing ones the foot comment of the last value) and
encodes them with an indent of 4. That encoder is a port of libyaml's event
emitter, whose choices (plain or quoted, where lines fold at 80 columns,
how sequences and comments indent) are reproduced here as a small event
state machine of our own. Only what sops produces is supported: block
collections, empty collections in flow style, and scalars.

The same emitter writes the plugin's output (`quoting=SAFE`): there every
string that some YAML reader (1.1 or 1.2, go-yaml v2 or v3, PyYAML) could
type as a number, boolean, null, timestamp or merge key is quoted, so a
value keeps its type through kustomize, kpt and kubectl. `Plain` carries a
number whose written form must survive as is (a JSON number, a number read
from a ResourceList).
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from kustguard.sops.tree import Branch, Item
from kustguard.sops.values import Comment, Timestamp, go_format_float_g, str_to_bytes
from kustguard.sops.yamlscalars import plain_is_string, plain_is_unambiguous

BEST_INDENT = 4  # what sops writes
SOPS, SAFE = "sops", "safe"  # quoting: exactly as sops, or for every reader
BEST_WIDTH = 2**31 - 1  # sops's encoder never folds long lines

PLAIN, SINGLE, DOUBLE, LITERAL = "plain", "single", "double", "literal"
BREAKS = "\r\n\x85\u2028\u2029"


# --- events ----------------------------------------------------------------

@dataclass
class Event:
    kind: str  # doc_start doc_end map_start map_end seq_start seq_end scalar
    value: str = ""
    style: str = PLAIN
    tag: str = ""
    head: str = ""
    foot: str = ""
    implicit: bool = True


@dataclass(frozen=True)
class Plain:
    """A non-string scalar written verbatim, unquoted (for example `1e+21`)."""

    text: str


def _comment_text(comments: list[str]) -> str:
    return "#" + "\n#".join(comments) if comments else ""


def _yaml_float(value: float) -> str:
    text = go_format_float_g(value)
    return {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(text, text)


def _scalar_event(value: Any, quoting: str = SOPS) -> Event:
    if isinstance(value, Plain):
        return Event("scalar", value.text)
    if value is None:
        return Event("scalar", "null")
    if isinstance(value, bool):
        return Event("scalar", "true" if value else "false")
    if isinstance(value, int):
        return Event("scalar", str(value))
    if isinstance(value, float):
        return Event("scalar", _yaml_float(value))
    if isinstance(value, Timestamp):
        return Event("scalar", value.rfc3339nano())
    if isinstance(value, bytes):
        value = value.decode("utf-8", "surrogateescape")
    text = str(value)
    raw = str_to_bytes(text)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        encoded = base64.b64encode(raw).decode()
        lines = [encoded[i:i + 70] for i in range(0, len(encoded), 70)]
        text = "\n".join(lines) + ("\n" if len(lines) > 1 else "")
        return Event("scalar", text, LITERAL if "\n" in text else PLAIN, tag="!!binary")
    if "\n" in text and not (quoting == SAFE and text.startswith("\t")):
        # (libyaml-based readers cannot take a literal block whose first line
        # starts with a tab: the plugin's output quotes it instead.)
        style = LITERAL
    elif text and (plain_is_string(text) if quoting == SOPS else plain_is_unambiguous(text)):
        style = PLAIN
    else:
        style = DOUBLE
    event = Event("scalar", text, style)
    # go-yaml encodes each value into a node on its own first, then emits
    # the node: the style the emitter settles on the first time sticks.
    event.style = _select_style(event, _analyze(text), simple_key=False, flow=False)
    return event


def _tree_events(value: Any, out: list[Event], quoting: str = SOPS) -> Event | None:
    """Append events for a value; returns the event that carries its foot comment."""
    if isinstance(value, dict):
        value = Branch(Item(key, child) for key, child in value.items())
    if isinstance(value, Branch):
        start = Event("map_start")
        out.append(start)
        comments: list[str] = []
        beginning = True
        last_value: Event | None = None
        for item in value:
            if isinstance(item.key, Comment):
                comments.append(item.key.value)
                continue
            if beginning:
                if comments:
                    start.head = _comment_text(comments)
                    comments = []
                beginning = False
            key = _scalar_event(item.key, quoting)
            key.head = _comment_text(comments)
            comments = []
            out.append(key)
            last_value = _tree_events(item.value, out, quoting)
        end = Event("map_end")
        out.append(end)
        if comments:
            if beginning:
                start.head = _comment_text(comments)
            elif last_value is not None:
                last_value.foot = _join(last_value.foot, _comment_text(comments))
        return end
    if isinstance(value, list):
        start = Event("seq_start")
        out.append(start)
        comments = []
        beginning = True
        last_item: Event | None = None
        for entry in value:
            if isinstance(entry, Comment):
                comments.append(entry.value)
                continue
            first_index = len(out)
            if beginning:
                if comments:
                    start.head = _comment_text(comments)
                    comments = []
                beginning = False
            last_item = _tree_events(entry, out, quoting)
            out[first_index].head = _join(_comment_text(comments), out[first_index].head)
            comments = []
        end = Event("seq_end")
        out.append(end)
        if comments:
            if beginning:
                start.head = _comment_text(comments)
            elif last_item is not None:
                last_item.foot = _join(last_item.foot, _comment_text(comments))
        return end
    event = _scalar_event(value, quoting)
    out.append(event)
    return event


def _join(first: str, second: str) -> str:
    if first and second:
        return first + "\n" + second
    return first or second


# --- scalar analysis -------------------------------------------------------

def _printable(char: str) -> bool:
    code = ord(char)
    return (code == 0x0A or 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF
            or (0xE000 <= code <= 0xFFFD and code != 0xFEFF))


@dataclass
class _Analysis:
    empty: bool
    multiline: bool = False
    flow_plain: bool = True
    block_plain: bool = True
    single_quoted: bool = True
    block: bool = True


def _analyze(value: str) -> _Analysis:
    if not value:
        return _Analysis(empty=True, flow_plain=False, block_plain=True,
                         single_quoted=True, block=False)
    block_ind = flow_ind = line_breaks = special = tabs = False
    leading_space = leading_break = trailing_space = trailing_break = False
    break_space = space_break = previous_space = previous_break = False
    if value.startswith(("---", "...")):
        block_ind = flow_ind = True
    preceded_by_ws = True
    length = len(value)
    for i, char in enumerate(value):
        followed_by_ws = i + 1 >= length or value[i + 1] in " \t"
        if i == 0:
            if char in "#,[]{}&*!|>'\"%@`":
                flow_ind = block_ind = True
            elif char in "?:":
                flow_ind = True
                if followed_by_ws:
                    block_ind = True
            elif char == "-" and followed_by_ws:
                flow_ind = block_ind = True
        else:
            if char in ",?[]{}":
                flow_ind = True
            elif char == ":":
                flow_ind = True
                if followed_by_ws:
                    block_ind = True
            elif char == "#" and preceded_by_ws:
                flow_ind = block_ind = True
        if char == "\t":
            tabs = True
        elif not _printable(char):
            special = True
        if char == " ":
            if i == 0:
                leading_space = True
            if i == length - 1:
                trailing_space = True
            if previous_break:
                break_space = True
            previous_space, previous_break = True, False
        elif char in BREAKS:
            line_breaks = True
            if i == 0:
                leading_break = True
            if i == length - 1:
                trailing_break = True
            if previous_space:
                space_break = True
            previous_space, previous_break = False, True
        else:
            previous_space = previous_break = False
        preceded_by_ws = char in " \t\0" or char in BREAKS
    result = _Analysis(empty=False, multiline=line_breaks)
    if leading_space or leading_break or trailing_space or trailing_break:
        result.flow_plain = result.block_plain = False
    if trailing_space:
        result.block = False
    if break_space:
        result.flow_plain = result.block_plain = result.single_quoted = False
    if space_break or tabs or special:
        result.flow_plain = result.block_plain = result.single_quoted = False
    if space_break or special:
        result.block = False
    if line_breaks:
        result.flow_plain = result.block_plain = False
    if flow_ind:
        result.flow_plain = False
    if block_ind:
        result.block_plain = False
    return result


def _select_style(event: Event, analysis: _Analysis, simple_key: bool, flow: bool) -> str:
    style = event.style
    if simple_key and analysis.multiline:
        style = DOUBLE
    if style == PLAIN:
        if (flow and not analysis.flow_plain) or (not flow and not analysis.block_plain):
            style = SINGLE
        if analysis.empty and (flow or simple_key):
            style = SINGLE
    if style == SINGLE and not analysis.single_quoted:
        style = DOUBLE
    if style == LITERAL and (not analysis.block or flow or simple_key):
        style = DOUBLE
    return style


# --- the emitter -------------------------------------------------------------

class _Emitter:
    def __init__(self, indent: int = BEST_INDENT) -> None:
        self.best_indent = indent
        self.out: list[str] = []
        self.column = 0
        self.indent = -1
        self.indents: list[int] = []
        self.states: list[str] = []
        self.state = "first_doc"
        self.whitespace = True
        self.indention = True
        self.open_ended = False
        self.foot_indent = -1
        self.flow_level = 0
        self.head_comment = ""
        self.foot_comment = ""
        self.simple_key = False
        self.events: list[Event] = []
        self.position = 0

    # -- low level writes
    def put(self, text: str) -> None:
        self.out.append(text)
        self.column += len(text)

    def put_break(self) -> None:
        self.out.append("\n")
        self.column = 0
        self.indention = True

    def write_indent(self) -> None:
        indent = max(self.indent, 0)
        if not self.indention or self.column > indent or \
                (self.column == indent and not self.whitespace):
            self.put_break()
        if self.foot_indent == indent:
            self.put_break()
        if self.column < indent:
            self.put(" " * (indent - self.column))
        self.whitespace = True
        self.foot_indent = -1

    def write_indicator(self, indicator: str, need_ws: bool, is_ws: bool,
                        is_indention: bool) -> None:
        if need_ws and not self.whitespace:
            self.put(" ")
        self.put(indicator)
        self.whitespace = is_ws
        self.indention = self.indention and is_indention
        self.open_ended = False

    def write_comment(self, comment: str) -> None:
        breaks = False
        pound = False
        for char in comment:
            if char == "\n":
                self.put_break()
                breaks, pound = True, False
                continue
            if breaks:
                self.write_indent()
            if not pound:
                if char != "#":
                    self.put("# ")
                pound = True
            self.put(char)
            self.indention = False
            breaks = False
        if not breaks:
            self.put_break()
        self.whitespace = True

    def process_head_comment(self) -> None:
        if not self.head_comment:
            return
        self.write_indent()
        self.write_comment(self.head_comment)
        self.head_comment = ""

    def process_foot_comment(self) -> None:
        if not self.foot_comment:
            return
        self.write_indent()
        self.write_comment(self.foot_comment)
        self.foot_comment = ""
        self.foot_indent = max(self.indent, 0)

    def increase_indent(self, flow: bool) -> None:
        self.indents.append(self.indent)
        if self.indent < 0:
            self.indent = self.best_indent if flow else 0
        elif self.states and self.states[-1] == "block_seq_item":
            self.indent += 2
        else:
            step = self.best_indent
            self.indent = step * ((self.indent + step) // step)

    def pop_indent(self) -> None:
        self.indent = self.indents.pop()

    def pop_state(self) -> None:
        self.state = self.states.pop()

    # -- scalars
    def write_plain(self, value: str, allow_breaks: bool) -> None:
        if value and not self.whitespace:
            self.put(" ")
        spaces = False
        for i, char in enumerate(value):
            if char == " ":
                if allow_breaks and not spaces and self.column > BEST_WIDTH and \
                        not (i + 1 < len(value) and value[i + 1] == " "):
                    self.write_indent()
                else:
                    self.put(char)
                spaces = True
            else:
                self.put(char)
                self.indention = False
                spaces = False
        if value:
            self.whitespace = False
        self.indention = False

    def write_single(self, value: str, allow_breaks: bool) -> None:
        self.write_indicator("'", True, False, False)
        spaces = breaks = False
        length = len(value)
        for i, char in enumerate(value):
            if char == " ":
                if allow_breaks and not spaces and self.column > BEST_WIDTH and \
                        0 < i < length - 1 and value[i + 1] != " ":
                    self.write_indent()
                else:
                    self.put(char)
                spaces = True
            elif char in BREAKS:
                if not breaks and char == "\n":
                    self.put_break()
                self._write_break(char)
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                if char == "'":
                    self.put("'")
                self.put(char)
                self.indention = False
                spaces = breaks = False
        self.write_indicator("'", False, False, False)
        self.whitespace = False
        self.indention = False

    def _write_break(self, char: str) -> None:
        if char == "\n":
            self.put_break()
        else:
            self.out.append(char)
            self.column = 0
            self.indention = True

    _ESCAPES = {0x00: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v",
                0x0C: "f", 0x0D: "r", 0x1B: "e", 0x22: '"', 0x5C: "\\", 0x85: "N",
                0xA0: "_", 0x2028: "L", 0x2029: "P"}

    def write_double(self, value: str, allow_breaks: bool) -> None:
        spaces = False
        self.write_indicator('"', True, False, False)
        length = len(value)
        for i, char in enumerate(value):
            code = ord(char)
            if not _printable(char) or code == 0xFEFF or char in BREAKS or char in '"\\':
                self.put("\\")
                if code in self._ESCAPES:
                    self.put(self._ESCAPES[code])
                elif code <= 0xFF:
                    self.put(f"x{code:02X}")
                elif code <= 0xFFFF:
                    self.put(f"u{code:04X}")
                else:
                    self.put(f"U{code:08X}")
                spaces = False
            elif char == " ":
                if allow_breaks and not spaces and self.column > BEST_WIDTH and 0 < i < length - 1:
                    self.write_indent()
                    if i + 1 < length and value[i + 1] == " ":
                        self.put("\\")
                else:
                    self.put(char)
                spaces = True
            else:
                self.put(char)
                spaces = False
        self.write_indicator('"', False, False, False)
        self.whitespace = False
        self.indention = False

    def write_literal(self, value: str) -> None:
        self.write_indicator("|", True, False, False)
        if value and (value[0] == " " or value[0] in BREAKS):
            self.write_indicator(str(self.best_indent), False, False, False)
        self.open_ended = False
        chomp = ""
        if not value:
            chomp = "-"
        elif value[-1] not in BREAKS:
            chomp = "-"
        elif len(value) == 1:
            chomp = "+"
            self.open_ended = True
        elif value[-2] in BREAKS:
            chomp = "+"
            self.open_ended = True
        if chomp:
            self.write_indicator(chomp, False, False, False)
        # The header ends its line, as libyaml's emitter does; a value that
        # starts with a line break then keeps it ("\n" is `|4+`, an empty line).
        self.put_break()
        self.whitespace = True
        breaks = True
        for char in value:
            if char in BREAKS:
                self._write_break(char)
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.put(char)
                self.indention = False
                breaks = False

    def emit_scalar(self, event: Event) -> None:
        analysis = _analyze(event.value)
        style = _select_style(event, analysis, self.simple_key, self.flow_level > 0)
        if event.tag:
            if not self.whitespace:
                self.put(" ")
            self.put(event.tag)
            self.whitespace = False
            self.indention = False
        self.increase_indent(flow=True)
        allow_breaks = not self.simple_key
        if style == PLAIN:
            self.write_plain(event.value, allow_breaks)
        elif style == SINGLE:
            self.write_single(event.value, allow_breaks)
        elif style == DOUBLE:
            self.write_double(event.value, allow_breaks)
        else:
            self.write_literal(event.value)
        self.pop_indent()
        self.pop_state()

    # -- the state machine
    def emit(self, events: list[Event]) -> str:
        self.events = events
        for self.position, event in enumerate(events):
            if event.head:
                self.head_comment = event.head
            if event.foot:
                self.foot_comment = event.foot
            getattr(self, "_state_" + self.state)(event)
        return "".join(self.out)

    def _next_is_end(self) -> bool:
        following = self.events[self.position + 1] if self.position + 1 < len(self.events) else None
        return following is not None and following.kind in ("map_end", "seq_end")

    def _simple_key_ok(self, event: Event) -> bool:
        if event.kind == "scalar":
            return "\n" not in event.value and not any(c in BREAKS for c in event.value) and \
                len(event.tag) + len(event.value.encode("utf-8", "surrogateescape")) <= 128
        return event.kind in ("map_start", "seq_start") and self._next_is_end()

    def emit_node(self, event: Event, simple_key: bool) -> None:
        self.simple_key = simple_key
        if event.kind == "scalar":
            self.emit_scalar(event)
        elif event.kind == "seq_start":
            if self.flow_level or self._next_is_end():
                self.state = "flow_seq_first"
            else:
                self.state = "block_seq_first"
        elif event.kind == "map_start":
            if self.flow_level or self._next_is_end():
                self.state = "flow_map_first"
            else:
                self.state = "block_map_first"
        else:
            raise ValueError(f"unexpected {event.kind}")

    def _state_first_doc(self, event: Event) -> None:
        self._document_start(event, first=True)

    def _state_doc_start(self, event: Event) -> None:
        self._document_start(event, first=False)

    def _document_start(self, event: Event, first: bool) -> None:
        if event.kind == "stream_end":
            if self.open_ended:
                self.write_indicator("...", True, False, False)
                self.write_indent()
            self.state = "end"
            return
        if not first:
            self.write_indent()
            self.write_indicator("---", True, False, False)
            self.write_indent()
        self.state = "doc_content"

    def _state_doc_content(self, event: Event) -> None:
        self.states.append("doc_end")
        self.process_head_comment()
        self.emit_node(event, simple_key=False)
        self.process_foot_comment()

    def _state_doc_end(self, event: Event) -> None:
        self.foot_indent = 0
        self.process_foot_comment()
        self.foot_indent = -1
        self.write_indent()
        self.state = "doc_start"

    def _state_flow_seq_first(self, event: Event) -> None:
        self.write_indicator("[", True, True, False)
        self.increase_indent(flow=True)
        self.flow_level += 1
        self.flow_level -= 1
        self.pop_indent()
        self.write_indicator("]", False, False, False)
        self.process_foot_comment()
        self.pop_state()

    def _state_flow_map_first(self, event: Event) -> None:
        self.write_indicator("{", True, True, False)
        self.increase_indent(flow=True)
        self.flow_level += 1
        self.process_head_comment()
        self.flow_level -= 1
        self.pop_indent()
        self.write_indicator("}", False, False, False)
        self.process_foot_comment()
        self.pop_state()

    def _state_block_seq_first(self, event: Event) -> None:
        self.increase_indent(flow=False)
        self._block_seq_item(event)

    def _state_block_seq_item(self, event: Event) -> None:
        self._block_seq_item(event)

    def _block_seq_item(self, event: Event) -> None:
        if event.kind == "seq_end":
            self.pop_indent()
            self.process_foot_comment()
            self.pop_state()
            return
        self.process_head_comment()
        self.write_indent()
        self.write_indicator("-", True, False, True)
        self.states.append("block_seq_item")
        self.emit_node(event, simple_key=False)
        self.process_foot_comment()

    def _state_block_map_first(self, event: Event) -> None:
        self.increase_indent(flow=False)
        self._block_map_key(event)

    def _state_block_map_key(self, event: Event) -> None:
        self._block_map_key(event)

    def _block_map_key(self, event: Event) -> None:
        self.process_head_comment()
        if event.kind == "map_end":
            # A collection's foot comment goes out at its parent's indentation.
            self.pop_indent()
            self.process_foot_comment()
            self.pop_state()
            return
        self.write_indent()
        if self._simple_key_ok(event):
            self.states.append("block_map_simple_value")
            self.emit_node(event, simple_key=True)
        else:
            self.write_indicator("?", True, False, True)
            self.states.append("block_map_value")
            self.emit_node(event, simple_key=False)

    def _state_block_map_simple_value(self, event: Event) -> None:
        self.write_indicator(":", False, False, False)
        self._block_map_value(event)

    def _state_block_map_value(self, event: Event) -> None:
        self.write_indent()
        self.write_indicator(":", True, False, True)
        self._block_map_value(event)

    def _block_map_value(self, event: Event) -> None:
        self.states.append("block_map_key")
        self.emit_node(event, simple_key=False)
        self.process_foot_comment()


def emit_documents(branches: list[Any], *, quoting: str = SOPS,
                   indent: int = BEST_INDENT) -> str:
    """YAML text for a list of documents (Branch or dict trees).

    The defaults write a decrypted file as sops does; `quoting=SAFE` quotes
    every string some YAML reader could type otherwise (the plugin's output).
    """
    events: list[Event] = []
    for branch in branches:
        events.append(Event("doc_start"))
        _tree_events(branch, events, quoting)
        events.append(Event("doc_end"))
    events.append(Event("stream_end"))
    return _Emitter(indent).emit(events)
