"""Read YAML the plugin is given without changing any value's type or form.

Two guards come before libyaml builds a tree: the nesting depth is counted
on libyaml's event stream (which holds no recursion), so a nesting bomb is
refused with one line instead of overflowing the C stack in the composer;
and alias uses are counted, so an alias bomb cannot explode.

`load_single` reads a ResourceList, a generator configuration or a
`.sops.yaml`: mappings become dicts, strings stay strings, and every other
plain scalar (number, boolean, timestamp) becomes `Plain` with its text
exactly as written, so the plugin hands input items back unchanged. Types
are resolved as go-yaml v3 (kustomize, kpt) resolves them.
"""
from __future__ import annotations

from typing import Any

import yaml

from kustguard.errors import InputError
from kustguard.sops import yamlscalars
from kustguard.sops.yamlemit import Plain

try:
    _Base = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Base = yaml.SafeLoader

MAX_DEPTH = 256
MAX_NODES = 2_000_000
_PLAIN = "!kustguard/plain"
_STR = "tag:yaml.org,2002:str"
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


class _Composer(_Base):  # type: ignore[misc, valid-type]
    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:  # noqa: D102
        if kind is yaml.ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return super().resolve(kind, value, implicit)


def check_depth(text: str, source: str, limit: int = MAX_DEPTH) -> None:
    """Refuse YAML nested deeper than `limit`, before anything recursive runs."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Base):
            if isinstance(event, _OPEN):
                depth += 1
                if depth > limit:
                    line = event.start_mark.line + 1 if event.start_mark else None
                    raise InputError(f"YAML nested more than {limit} levels deep", source, line,
                                     "flatten the document; no Kubernetes object nests this deep")
            elif isinstance(event, _CLOSE):
                depth -= 1
    except yaml.YAMLError:
        return  # the real parse reports the syntax error with its line


def _problem(exc: yaml.YAMLError, source: str) -> InputError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or "invalid YAML"
    return InputError(f"cannot parse: {problem}", source, mark.line + 1 if mark else None)


class _Builder:
    def __init__(self, source: str) -> None:
        self.source = source
        self.nodes = 0

    def value(self, node: yaml.Node) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise InputError("too many YAML nodes (possible alias bomb)", self.source)
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _PLAIN:
                kind, _ = yamlscalars.resolve_plain(node.value)
                if kind == yamlscalars.STR:
                    return node.value
                return None if kind == yamlscalars.NULL else Plain(node.value)
            if node.tag == _STR:
                return node.value
            raise InputError(f"unsupported YAML tag {node.tag}", self.source,
                             node.start_mark.line + 1)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(child) for child in node.value]
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise InputError("only scalar keys are supported", self.source,
                                     key_node.start_mark.line + 1)
                key = key_node.value
                if key in result:
                    raise InputError(f"duplicate key {key!r}", self.source,
                                     key_node.start_mark.line + 1)
                result[key] = self.value(value_node)
            return result
        raise InputError("unsupported YAML node", self.source)  # pragma: no cover


def load_all(text: str, source: str) -> list[Any]:
    """Every non-empty document of a YAML stream, types and forms kept."""
    check_depth(text, source)
    try:
        nodes = list(yaml.compose_all(text, Loader=_Composer))
    except yaml.YAMLError as exc:
        raise _problem(exc, source) from None
    builder = _Builder(source)
    return [doc for doc in (builder.value(node) for node in nodes if node is not None)
            if doc is not None]


def load_single(text: str, source: str) -> Any:
    docs = load_all(text, source)
    if len(docs) != 1:
        raise InputError(f"expected one YAML document, found {len(docs)}", source)
    return docs[0]
