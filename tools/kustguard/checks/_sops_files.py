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
from kustguard.yamlload import StrictLoader

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


def is_source_yaml(rel: str) -> bool:
    parts = Path(rel).parts
    return len(parts) > 1 and parts[0] in SOURCE_DIRS and rel.endswith(YAML_SUFFIXES)


def is_sops_name(rel: str) -> bool:
    name = Path(rel).name
    return name not in CONFIG_NAMES and bool(SOPS_NAME.search(name))


def sops_format(rel: str) -> str:
    name = Path(rel).name
    if name.endswith(".json"):
        return "json"
    if name.endswith(".env"):
        return "dotenv"
    return "yaml"


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
    """Non-empty YAML documents with their nodes; None if the text does not parse."""
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
    except ValueError:
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

@dataclass(frozen=True)
class CreationRule:
    index: int
    rule: dict[str, Any]

    @property
    def path_regex(self) -> str:
        return str(self.rule.get("path_regex") or "")

    @property
    def age_recipients(self) -> frozenset[str]:
        found: set[str] = set(_split_keys(self.rule.get("age")))
        for group in self.rule.get("key_groups") or []:
            if isinstance(group, dict):
                found.update(_split_keys(group.get("age")))
        return frozenset(found)

    def describe(self) -> str:
        where = f"path_regex {self.path_regex!r}" if self.path_regex else "no path_regex"
        return f"creation rule {self.index + 1} ({where})"


def _split_keys(value: Any) -> list[str]:
    if isinstance(value, str):
        return [k.strip() for k in value.replace("\n", ",").split(",") if k.strip()]
    if isinstance(value, list):
        return [str(k).strip() for k in value if str(k).strip()]
    return []


def creation_rules(root: Path) -> list[CreationRule] | None:
    """The creation rules of the repo's .sops.yaml; None if there is none."""
    text = read_text(root, SOPS_CONFIG)
    if text is None:
        return None
    docs = yaml_documents(text)
    if not docs or not isinstance(docs[0].obj, dict):
        return []
    rules = docs[0].obj.get("creation_rules")
    return [CreationRule(i, r) for i, r in enumerate(rules if isinstance(rules, list) else [])
            if isinstance(r, dict)]


def matching_rule(rules: list[CreationRule], rel: str) -> CreationRule | None:
    """The rule sops applies to a repo-relative path: the first whose path_regex
    matches (unanchored, as Go's MatchString), or that has none."""
    for rule in rules:
        if not rule.path_regex:
            return rule
        try:
            if re.search(rule.path_regex, rel):
                return rule
        except re.error:
            continue
    return None


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
