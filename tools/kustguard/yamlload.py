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

# A real manifest uses a handful of aliases at most; a billion-laughs document
# uses them to multiply. Each alias use beyond this bound is refused.
MAX_ALIAS_USES = 1000


class DuplicateKeyError(yaml.MarkedYAMLError):
    pass


class AliasBombError(yaml.MarkedYAMLError):
    pass


class StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader that refuses duplicate keys and bounds alias expansion."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._alias_uses = 0

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects:
            self._alias_uses += 1
            if self._alias_uses > MAX_ALIAS_USES:
                raise AliasBombError(
                    None, None,
                    f"more than {MAX_ALIAS_USES} alias uses (possible alias bomb)",
                    node.start_mark,
                )
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            # Compare scalar keys by tag and text: constructing them here would
            # count as alias uses in construct_object.
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
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            line = node.start_mark.line + 1
            obj = loader.construct_document(node)
            if obj is not None:
                yield index, line, obj
            index += 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"YAML: {problem}", path, line, "fix the YAML syntax") from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML: {exc}", path, None, "fix the YAML syntax") from None
    finally:
        loader.dispose()


def load_file(path: Path) -> list[tuple[int, int, Any]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    return list(load_all(decode(data, path), path))
