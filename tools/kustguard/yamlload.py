"""Safe YAML loading shared by every reader of manifests.

Rejects what kubectl and the API server would reject or misread: duplicate
keys, alias bombs, recursive aliases, nesting too deep to walk and bytes that
are not UTF-8. Uses libyaml when present. On request, keeps the line of every
field from the same parse (kustguard.positions).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from kustguard import fastyaml
from kustguard.errors import InputError
from kustguard.positions import Positions, record

try:  # libyaml is an order of magnitude faster; fall back quietly.
    _BaseLoader = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _BaseLoader = yaml.SafeLoader

# A billion-laughs document is small as text but expands, through nested
# aliases, to a huge tree that every later traversal would walk. A document
# whose expanded tree exceeds this many nodes is refused before construction.
MAX_EXPANDED_NODES = 1_000_000
# libyaml's composer recurses once per level of nesting, in C: a few tens of
# thousands of `[` (100 KB of text) overflow the stack and kill the process.
# Kubernetes objects nest a few dozen levels (CRD schemas under a hundred);
# deeper text is refused, before libyaml sees it.
MAX_DEPTH = 512


class DuplicateKeyError(yaml.MarkedYAMLError):
    pass


class AliasBombError(yaml.MarkedYAMLError):
    pass


class TooDeepError(yaml.MarkedYAMLError):
    pass


def expanded_size(root: yaml.Node) -> int:
    """Node count of the tree as it would be after expanding every alias.

    Raises AliasBombError for a recursive alias (a node inside itself), which
    would make every later walk of the object endless.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            continue
        kids = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else list(node.value)
        if children_done:
            sizes[id(node)] = 1 + sum(sizes.get(id(k), 1) for k in kids)
            open_nodes.discard(id(node))
        else:
            if id(node) in open_nodes:
                raise AliasBombError(None, None, "an alias refers to a node that contains it "
                                     "(a recursive structure)", node.start_mark)
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((k, False) for k in kids if id(k) not in sizes)
    return sizes[id(root)]


class StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader that refuses duplicate keys and bounds alias expansion."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            # Compare scalar keys by tag and text: cheaper than constructing them.
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = (key_node.tag, key_node.value)
            if key in seen:
                raise DuplicateKeyError(
                    "while constructing a mapping", node.start_mark,
                    f"duplicate key {key_node.value!r}", key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


    def construct_strict_map(self, node: yaml.MappingNode) -> Iterator[dict]:
        # A generator, as PyYAML's own: the loader finishes it later instead
        # of recursing, so deep documents cost no Python stack.
        data: dict = {}
        yield data
        data.update(self.construct_mapping(node))


StrictLoader.add_constructor(
    "tag:yaml.org,2002:map", StrictLoader.construct_strict_map  # type: ignore[arg-type]
)


def decode(data: bytes, path: str | Path) -> str:
    """Decode UTF-8 strictly, naming the line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"byte 0x{data[exc.start]:02x} is not valid UTF-8", path, line,
            "save the file as UTF-8",
        ) from None


# Cheap signs that text may nest deeper than MAX_DEPTH. Block nesting needs
# indentation or compact `- `/`? ` indicators on one line; flow nesting needs
# brackets. If none of these reaches its share of the limit, the text cannot
# nest too deep, and only then is the exact (slower) check skipped.
_DEEP_INDENT = re.compile(r"^[ \t]{%d}" % (MAX_DEPTH // 4), re.MULTILINE)
_DEEP_COMPACT = re.compile(r"(?:[-?][ \t]+){%d}" % (MAX_DEPTH // 8))
_BRACKET = re.compile(r"[\[\]{}]")


def _may_nest_too_deep(text: str) -> bool:
    if _DEEP_INDENT.search(text) or _DEEP_COMPACT.search(text):
        return True
    if "[" not in text and "{" not in text:
        return False
    depth = 0
    for match in _BRACKET.finditer(text):  # brackets in strings only make this cautious
        if match.group() in "[{":
            depth += 1
            if depth >= MAX_DEPTH // 4:
                return True
        elif depth:
            depth -= 1
    return False


def check_depth(text: str) -> None:
    """Raise TooDeepError where the text first nests deeper than MAX_DEPTH.

    Walks libyaml's events (its parser keeps its own stack and does not
    recurse), only when the cheap signs above say it might be needed.
    """
    if not _may_nest_too_deep(text):
        return
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise TooDeepError(None, None, f"nested deeper than {MAX_DEPTH} levels",
                                   event.start_mark)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def load_all(text: str, path: str | Path) -> Iterator[tuple[int, int, Any]]:
    """Yield (document index, first line, object) for each non-empty document.

    Any YAML problem becomes an InputError naming the file and line.
    """
    try:
        check_depth(text)
    except yaml.MarkedYAMLError:
        pass  # the strict loader below reports it, with the line
    else:
        fast = fastyaml.load_all(text)
        if fast is not None:
            yield from fast
            return
    for index, line, obj, _ in _documents(text, path, positions=False):
        yield index, line, obj


def load_all_with_positions(text: str, path: str | Path) -> Iterator[tuple[int, Positions]]:
    """Yield (document index, Positions) for each non-empty document: the
    object and the line of each of its fields, from one parse."""
    for index, _, _, positions in _documents(text, path, positions=True):
        assert positions is not None
        yield index, positions


def _documents(text: str, path: str | Path, *,
               positions: bool) -> Iterator[tuple[int, int, Any, Positions | None]]:
    loader = None
    index = 0
    try:
        check_depth(text)
        loader = StrictLoader(text)
        may_alias = "&" in text  # no anchor, no alias: skip the expansion count
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            line = node.start_mark.line + 1
            if may_alias and expanded_size(node) > MAX_EXPANDED_NODES:
                raise AliasBombError(
                    None, None,
                    f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (possible alias bomb)",
                    node.start_mark,
                )
            obj = loader.construct_document(node)
            if obj is not None:
                yield index, line, obj, (record(node, obj) if positions else None)
            index += 1
    except yaml.MarkedYAMLError as exc:
        # A parser error is noticed where the text ends or the next token
        # starts; the construct it was inside started at the context mark,
        # which is the line a person has to fix.
        use_context = exc.context_mark is not None and not isinstance(exc, DuplicateKeyError)
        mark = exc.context_mark if use_context else (exc.problem_mark or exc.context_mark)
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        if use_context and exc.context:
            problem = f"{exc.context}: {problem}"
        hint = ("Kubernetes objects nest a few dozen levels; flatten it"
                if isinstance(exc, TooDeepError) else "fix the YAML syntax")
        raise InputError(f"YAML: {problem}", path, line, hint) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML: {exc}", path, None, "fix the YAML syntax") from None
    except RecursionError:
        raise InputError(f"YAML: nested too deep to read (limit {MAX_DEPTH} levels)", path, None,
                         "Kubernetes objects nest a few dozen levels; flatten it") from None
    finally:
        if loader is not None:
            loader.dispose()


def load_file(path: Path, display: str | Path | None = None) -> list[tuple[int, int, Any]]:
    """Load every document of a file; errors name `display` (default: path)."""
    name = display if display is not None else path
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", name) from None
    return list(load_all(decode(data, name), name))
