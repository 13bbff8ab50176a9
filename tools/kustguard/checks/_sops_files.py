"""Reading the repository's source files for the repo-scope secret checks.

YAML documents with their nodes (for lines), SOPS file detection, the
``.sops.yaml`` creation rules and the rule sops would pick for a path.
"""
from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kustguard.findings import Finding, ObjectRef
from kustguard.sops.rules import CreationRule, matching_rule, rules_from
from kustguard.sops.yamlread import check_depth
from kustguard.yamlload import StrictLoader

__all__ = ["CreationRule", "matching_rule"]

# Folders whose YAML files are Kubernetes sources (rendered by some overlay).
SOURCE_DIRS = ("base", "components", "overlays", "argocd", "apps")
YAML_SUFFIXES = (".yaml", ".yml")
SOPS_NAME = re.compile(r"\.sops\.(ya?ml|json|env)$")
SOPS_CONFIG = ".sops.yaml"
CONFIG_NAMES = frozenset({".sops.yaml", ".sops.yml"})
# A value sops encrypted: ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]
ENCRYPTED = re.compile(r"^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,"
                       r"tag:[A-Za-z0-9+/=]+,type:[a-z]+\]$")
MAX_BYTES = 5 * 1024 * 1024
DOTENV_METADATA = re.compile(r"^sops_(?:version|mac|lastmodified)=", re.MULTILINE)


def is_source_yaml(rel: str) -> bool:
    parts = Path(rel).parts
    return len(parts) > 1 and parts[0] in SOURCE_DIRS and rel.endswith(YAML_SUFFIXES)


def is_sops_name(rel: str) -> bool:
    name = Path(rel).name
    return name not in CONFIG_NAMES and bool(SOPS_NAME.search(name))


def sops_format(rel: str, text: str = "") -> str:
    """The format to read a (possible) sops file in: its name first, else its content."""
    name = Path(rel).name
    if name.endswith(".json"):
        return "json"
    if name.endswith(".env"):
        return "dotenv"
    if name.endswith((".yaml", ".yml")):
        return "yaml"
    if text.lstrip().startswith("{"):
        return "json"  # also sops's binary format: {"data": ..., "sops": ...}
    if DOTENV_METADATA.search(text):
        return "dotenv"
    return "yaml"


def may_hold_sops_metadata(text: str) -> bool:
    """A cheap filter before parsing a file of any name."""
    return "sops" in text and ("ENC[AES256_GCM," in text or "mac" in text)


def is_encrypted(value: Any) -> bool:
    return isinstance(value, str) and bool(ENCRYPTED.match(value))


def read_text(root: Path, rel: str) -> str | None:
    """A file's text; None for unreadable, binary or huge files."""
    try:
        path = root / rel
        if path.stat().st_size > MAX_BYTES:
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

    A nesting bomb raises InputError before libyaml composes anything.
    """
    check_depth(text, "YAML")
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


def json_document(text: str) -> Document | None:
    try:
        return Document(json.loads(text), None)
    except (ValueError, RecursionError):
        return None


def dotenv_pairs(text: str) -> list[tuple[int, str, str]]:
    """(line, key, value) of a dotenv file's assignments."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or "=" not in stripped:
            continue
        key, _, value = stripped.partition("=")
        out.append((n, key.strip(), value.strip()))
    return out


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


# ---------------------------------------------------------------- creation rules
# One source of truth with the plugin: kustguard.sops.rules.


def creation_rules(root: Path) -> list[CreationRule] | None:
    """The creation rules of the repo's .sops.yaml; None if there is none."""
    text = read_text(root, SOPS_CONFIG)
    if text is None:
        return None
    docs = yaml_documents(text)
    return rules_from(docs[0].obj) if docs else []


def file_age_recipients(sops: dict[str, Any]) -> frozenset[str]:
    found: set[str] = set()
    entries = list(sops.get("age") or [])
    for group in sops.get("key_groups") or []:
        if isinstance(group, dict):
            entries.extend(group.get("age") or [])
    for entry in entries:
        if isinstance(entry, dict) and entry.get("recipient"):
            found.add(str(entry["recipient"]).strip())
    return frozenset(found)


def dotenv_sops(pairs: list[tuple[int, str, str]]) -> dict[str, Any]:
    """The sops metadata of a dotenv file, shaped like the YAML one."""
    meta: dict[str, Any] = {}
    ages: dict[str, dict[str, str]] = {}
    for _, key, value in pairs:
        if not key.startswith("sops_"):
            continue
        m = re.match(r"^sops_age__list_(\d+)__map_(\w+)$", key)
        if m:
            ages.setdefault(m.group(1), {})[m.group(2)] = value
        else:
            meta[key[len("sops_"):]] = value
    if ages:
        meta["age"] = [ages[k] for k in sorted(ages, key=int)]
    return meta
