"""Safe YAML loading shared by every reader of manifests.

Rejects what kubectl and the API server would reject or misread: duplicate
keys, alias bombs and bytes that are not UTF-8. Uses libyaml when present.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from kustguard.errors import InputError

try:  # libyaml is an order of magnitude faster; fall back quietly.
    _BaseLoader = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _BaseLoader = yaml.SafeLoader

# A billion-laughs document is small as text but expands, through nested
# aliases, to a huge tree that every later traversal would walk. A document
# whose expanded tree exceeds this many nodes is refused before construction.
MAX_EXPANDED_NODES = 1_000_000


class DuplicateKeyError(yaml.MarkedYAMLError):
    pass


class AliasBombError(yaml.MarkedYAMLError):
    pass


def expanded_size(root: yaml.Node) -> int:
    """Node count of the tree as it would be after expanding every alias."""
    sizes: dict[int, int] = {}
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
        else:
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


StrictLoader.add_constructor(
    "tag:yaml.org,2002:map", StrictLoader.construct_mapping  # type: ignore[arg-type]
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


def load_all(text: str, path: str | Path) -> Iterator[tuple[int, int, Any]]:
    """Yield (document index, first line, object) for each non-empty document.

    Any YAML problem becomes an InputError naming the file and line.
    """
    loader = StrictLoader(text)
    may_alias = "&" in text  # no anchor, no alias: skip the expansion count
    index = 0
    try:
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
                yield index, line, obj
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
        raise InputError(f"YAML: {problem}", path, line, "fix the YAML syntax") from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML: {exc}", path, None, "fix the YAML syntax") from None
    finally:
        loader.dispose()


def load_file(path: Path, display: str | Path | None = None) -> list[tuple[int, int, Any]]:
    """Load every document of a file; errors name `display` (default: path)."""
    name = display if display is not None else path
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", name) from None
    return list(load_all(decode(data, name), name))
