"""Read a YAML stream into SOPS trees, one per document, comments included.

Structure comes from PyYAML's composer (libyaml when present); scalar types
are resolved the way sops's go-yaml v3 resolves them (see yamlscalars).
Full-line comments matter to sops: encrypted comments must be decrypted
with the path of the mapping or list that holds them, and the comment
regexes decide what is encrypted, so each comment line is attached to the
innermost collection whose indentation it shares, before the entry that
follows it, as go-yaml attaches head and foot comments.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

import yaml

from kustguard.sops.errors import SopsFileError
from kustguard.sops.tree import Branch, Item
from kustguard.sops.values import Comment, bytes_to_str
from kustguard.sops import yamlscalars
from kustguard.sops.yamlread import check_depth

try:
    _Base = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Base = yaml.SafeLoader

_PLAIN = "!kustguard/plain"
_TAG = "tag:yaml.org,2002:"
MAX_ALIAS_USES = 1000
MAX_NODES = 2_000_000


class _Composer(_Base):  # type: ignore[misc, valid-type]
    """Composes nodes but leaves typing of untagged scalars to us."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:  # noqa: D102
        if kind is yaml.ScalarNode:
            return _PLAIN if implicit[0] else _TAG + "str"
        return super().resolve(kind, value, implicit)


@dataclass
class _Container:
    """Where comments may go: a mapping or list and its entry lines."""

    target: Branch | list
    after_line: int
    end_line: float
    child_col: int
    entry_lines: list[int] = field(default_factory=list)
    entry_cols: list[int] = field(default_factory=list)
    is_list: bool = False
    children: list[_Container] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.alias_uses = 0
        self.nodes = 0
        self.seen: set[int] = set()
        self.scalar_spans: list[tuple[int, int]] = []

    def error(self, message: str, node: yaml.Node | None = None) -> SopsFileError:
        where = f"{self.path}:{node.start_mark.line + 1}" if node is not None else self.path
        return SopsFileError(message, where)

    def count(self, node: yaml.Node) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.error("too many YAML nodes")
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            if id(node) in self.seen:
                self.alias_uses += 1
                if self.alias_uses > MAX_ALIAS_USES:
                    raise self.error("more than 1000 alias uses (possible alias bomb)", node)
            self.seen.add(id(node))

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.end_mark.line > node.start_mark.line:
            last = node.end_mark.line if node.style not in ("|", ">") and \
                node.end_mark.column > 0 else node.end_mark.line - 1
            self.scalar_spans.append((node.start_mark.line + 1, last))
        tag, text = node.tag, node.value
        if tag == _PLAIN:
            return yamlscalars.resolve_plain(text)[1]
        if tag == _TAG + "str":
            return text
        if tag == _TAG + "binary":
            try:
                return bytes_to_str(base64.b64decode("".join(text.split()), validate=True))
            except (binascii.Error, ValueError):
                raise self.error("invalid !!binary value", node) from None
        expected = {_TAG + "int": yamlscalars.INT, _TAG + "float": yamlscalars.FLOAT,
                    _TAG + "bool": yamlscalars.BOOL, _TAG + "null": yamlscalars.NULL,
                    _TAG + "timestamp": yamlscalars.TIMESTAMP}.get(tag)
        if expected is None:
            raise self.error(f"unsupported YAML tag {tag}", node)
        kind, value = yamlscalars.resolve_plain(text) if text else (yamlscalars.NULL, None)
        if kind != expected:
            raise self.error(f"value does not match its tag {tag}", node)
        return value

    def key(self, node: yaml.Node) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.error("only string keys are supported", node)
        self.count(node)
        value = self.scalar(node)
        if isinstance(value, yamlscalars.Timestamp):
            return node.value  # go-yaml decodes timestamp keys as strings
        if not isinstance(value, str):
            raise self.error("only string keys are supported (quote the key)", node)
        return value

    def value(self, node: yaml.Node) -> Any:
        self.count(node)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _TAG + "map":
                raise self.error(f"unsupported YAML tag {node.tag}", node)
            branch = Branch()
            seen_keys: set[str] = set()
            for key_node, value_node in node.value:
                key = self.key(key_node)
                if key in seen_keys:
                    raise self.error(f"duplicate key {key!r}", key_node)
                seen_keys.add(key)
                branch.append(Item(key, self.value(value_node)))
            return branch
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _TAG + "seq":
                raise self.error(f"unsupported YAML tag {node.tag}", node)
            return [self.value(child) for child in node.value]
        raise self.error("unsupported YAML node", node)


def _comment_lines(text: str, excluded: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    skip = set()
    for first, last in excluded:
        skip.update(range(first, last + 1))
    found = []
    for number, line in enumerate(text.split("\n")):
        stripped = line.lstrip(" \t")
        if stripped.startswith("#") and number not in skip:
            found.append((number, len(line) - len(stripped), stripped.rstrip("\r")[1:]))
    return found


def _last_container(container: _Container, line: int) -> _Container:
    """The deepest block collection holding the content just above `line`."""
    before = [i for i, entry in enumerate(container.entry_lines) if entry < line]
    if not before:
        return container
    last_line = container.entry_lines[before[-1]]
    for child in container.children:
        if child.after_line == last_line and child.entry_lines and child.entry_lines[0] < line:
            return _last_container(child, line)
    return container


def _first_container_at(container: _Container, line: int) -> _Container | None:
    """The outermost block collection with an entry starting on `line`."""
    if line in container.entry_lines:
        return container
    for child in container.children:
        found = _first_container_at(child, line)
        if found is not None:
            return found
    return None


def _place(root: _Container, tokens: list[tuple[int, int]], line: int,
           column: int) -> _Container:
    """Attach a comment as go-yaml v3 does.

    A comment indented deeper than the token that follows it is a foot
    comment of the innermost collection above it; otherwise it is a head
    comment of that following entry.
    """
    following = next(((l, c) for l, c in tokens if l > line), None)
    if following is None or following[0] >= root.end_line:
        next_column = 0
        owner = None
    else:
        next_column = following[1]
        owner = _first_container_at(root, following[0])
    if column > next_column or owner is None:
        return _last_container(root, line)
    return owner


def _entry_tokens(container: _Container, out: list[tuple[int, int]]) -> None:
    out.extend((line, container.child_col) if container.is_list else (line, col)
               for line, col in zip(container.entry_lines, container.entry_cols))
    for child in container.children:
        _entry_tokens(child, out)


def _merge_comments(container: _Container) -> None:
    for child in container.children:
        _merge_comments(child)
    if not container.comments:
        return
    entries = list(container.target)
    merged: list[Any] = []
    pending = sorted(container.comments)
    for line, entry in zip(container.entry_lines, entries):
        while pending and pending[0][0] < line:
            merged.append(_comment_entry(container, pending.pop(0)[1]))
        merged.append(entry)
    merged.extend(_comment_entry(container, text) for _, text in pending)
    container.target[:] = merged


def _comment_entry(container: _Container, text: str) -> Any:
    if isinstance(container.target, Branch):
        return Item(Comment(text), None)
    return Comment(text)


def load_documents(text: str, path: str) -> list[Branch]:
    """Parse a YAML stream into one Branch per document."""
    builder = _Builder(path)
    check_depth(text, path)
    try:
        nodes = list(yaml.compose_all(text, Loader=_Composer))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else path
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise SopsFileError(f"invalid YAML: {problem}", where) from None
    roots: list[_Container] = []
    branches: list[Branch] = []
    previous_end = -1
    for node in nodes:
        if isinstance(node, yaml.ScalarNode) and node.tag == _PLAIN and \
                yamlscalars.resolve_plain(node.value)[0] == yamlscalars.NULL:
            branches.append(Branch())  # an empty document
            continue
        if not isinstance(node, yaml.MappingNode):
            raise builder.error("a YAML document must be a mapping for sops", node)
        branch = builder.value(node)
        root = _Container(branch, previous_end, node.end_mark.line, 0)
        _link_entries(node, branch, root)
        roots.append(root)
        branches.append(branch)
        previous_end = node.end_mark.line
    if roots:
        roots[-1].end_line = float("inf")
    tokens: list[tuple[int, int]] = []
    for root in roots:
        _entry_tokens(root, tokens)
    tokens.sort()
    for line, column, comment in _comment_lines(text, builder.scalar_spans):
        owner = next((root for root in roots if line < root.end_line), None)
        if owner is not None:
            _place(owner, tokens, line, column).comments.append((line, comment))
    for root in roots:
        _merge_comments(root)
    return branches


def _link_entries(node: yaml.Node, value: Any, info: _Container) -> None:
    """Record entry positions of `info` and containers for its block children."""
    if isinstance(node, yaml.MappingNode):
        pairs = [(key.start_mark.line, key.start_mark.column, child) for key, child in node.value]
        values = [item.value for item in value]
    else:
        info.is_list = True
        pairs = [(child.start_mark.line, child.start_mark.column, child) for child in node.value]
        values = list(value)
    info.entry_lines = [line for line, _, _ in pairs]
    info.entry_cols = [col for _, col, _ in pairs]
    for (line, _, child_node), child in zip(pairs, values):
        if isinstance(child_node, (yaml.MappingNode, yaml.SequenceNode)) \
                and isinstance(child, (Branch, list)) and child_node.flow_style is not True:
            sub = _Container(child, line, child_node.end_mark.line, child_node.start_mark.column)
            info.children.append(sub)
            _link_entries(child_node, child, sub)


def to_python(value: Any) -> Any:
    """A tree value as plain Python data, comments dropped."""
    if isinstance(value, Branch):
        return {item.key: to_python(item.value) for item in value if isinstance(item.key, str)}
    if isinstance(value, list):
        return [to_python(v) for v in value if not isinstance(v, Comment)]
    return value
