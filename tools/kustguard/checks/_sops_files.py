"""Reading the repository's source files for the repo-scope secret checks.

YAML documents with their nodes (for lines) and SOPS file names. Reading a
SOPS file itself (formats, typing, metadata, ``.sops.yaml`` rules) is the
plugin's job: the ``sops-file`` check uses ``kustguard.sops`` for it.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kustguard.errors import InputError
from kustguard.findings import Finding, ObjectRef
from kustguard.sops.yamlread import check_depth
from kustguard.yamlload import StrictLoader

# Folders whose YAML files are Kubernetes sources (rendered by some overlay).
SOURCE_DIRS = ("base", "components", "overlays", "argocd", "apps")
YAML_SUFFIXES = (".yaml", ".yml")
SOPS_NAME = re.compile(r"\.sops\.(ya?ml|json|env)$")
SOPS_CONFIG = ".sops.yaml"
CONFIG_NAMES = frozenset({".sops.yaml", ".sops.yml"})
MAX_BYTES = 5 * 1024 * 1024


def is_source_yaml(rel: str) -> bool:
    parts = Path(rel).parts
    return len(parts) > 1 and parts[0] in SOURCE_DIRS and rel.endswith(YAML_SUFFIXES)


def is_sops_name(rel: str) -> bool:
    name = Path(rel).name
    return name not in CONFIG_NAMES and bool(SOPS_NAME.search(name))


def read_text(root: Path, rel: str, *, max_bytes: int | None = MAX_BYTES) -> str | None:
    """A file's text; None for unreadable or binary files, and for files over
    max_bytes (None: any size)."""
    try:
        path = root / rel
        if max_bytes is not None and path.stat().st_size > max_bytes:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")


@dataclass
class Document:
    obj: Any
    node: yaml.Node | None     # None for JSON documents

    def line(self, path: tuple[str | int, ...] = (), *, key: bool = False) -> int:
        """1-based line of a field (of its key, with key=True); 1 when unknown."""
        node = self.node
        if node is None:
            return 1
        found = node
        key_node = None
        for part in path:
            key_node, child = _child(found, part)
            if child is None:
                break
            found = child
        target = key_node if key and key_node is not None else found
        return target.start_mark.line + 1


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node | None]:
    if isinstance(part, int):
        if isinstance(node, yaml.SequenceNode) and 0 <= part < len(node.value):
            return None, node.value[part]
        return None, None
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == part:
                return k, v
    return None, None


def yaml_documents(text: str) -> list[Document] | None:
    """Non-empty YAML documents with their nodes; None if the text does not parse.

    A nesting bomb does not parse either: it is refused before libyaml's
    composer, which recurses in C, could overflow the stack.
    """
    try:
        check_depth(text, "YAML")
    except InputError:
        return None
    loader = StrictLoader(text)
    docs = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            obj = loader.construct_document(node)
            if obj is not None:
                docs.append(Document(obj, node))
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return docs


def text_line(text: str, needle: str) -> int:
    """Line of the first occurrence of needle in text; 1 if absent."""
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def naming(finding: Finding, obj: Any) -> Finding:
    """A repo-scope finding naming the source object it is about (kind, the
    namespace written in the file or '', name)."""
    if not isinstance(obj, dict) or not obj.get("kind"):
        return finding
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    return dataclasses.replace(finding, object=ObjectRef(
        str(obj.get("kind", "")), str(meta.get("namespace") or ""), str(meta.get("name", ""))))


