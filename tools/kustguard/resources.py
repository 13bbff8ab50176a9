"""The resource model: rendered objects with their provenance.

A rendered stream is parsed once. Each object remembers the overlay that
rendered it, its index in the stream and, from kustomize's origin
annotation, the source file it came from. Lines inside source files are
looked up lazily, only for objects that get a finding.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from kustguard import yamlload
from kustguard.errors import InputError
from kustguard.findings import ObjectRef

ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
# libyaml (safe loading and composing nodes with their marks), an order of
# magnitude faster than the pure-Python loader.
_ComposeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Kinds that live outside namespaces. CRDs declared in the same stream add
# their own cluster-scoped kinds at index time.
CLUSTER_SCOPED_KINDS = frozenset({
    "Namespace", "Node", "PersistentVolume", "StorageClass", "IngressClass",
    "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "PriorityClass", "RuntimeClass", "CSIDriver", "CSINode", "VolumeAttachment",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    "APIService", "CertificateSigningRequest", "FlowSchema",
    "PriorityLevelConfiguration", "ClusterIssuer",
})


FieldPath = tuple[str | int, ...]


def is_custom_group(group: str) -> bool:
    """A dotted API group that is not one of Kubernetes' own (*.k8s.io): a CRD's."""
    return "." in group and not group.endswith(".k8s.io")


def format_field(path: FieldPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


@dataclass
class Resource:
    obj: dict[str, Any]
    overlay: str = ""
    doc_index: int = 0
    # Repo-relative path of the file the object came from; for a generated
    # object, the kustomization that configured the generator.
    source: str = ""
    generated: bool = False
    sources: "SourceMaps | None" = field(default=None, repr=False, compare=False)

    @property
    def api_version(self) -> str:
        return str(self.obj.get("apiVersion", ""))

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind", ""))

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def metadata(self) -> dict:
        meta = self.obj.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def name(self) -> str:
        return str(self.metadata.get("name", ""))

    @property
    def namespace(self) -> str:
        return str(self.metadata.get("namespace") or "")

    @property
    def labels(self) -> dict[str, str]:
        labels = self.metadata.get("labels")
        return labels if isinstance(labels, dict) else {}

    @property
    def annotations(self) -> dict[str, str]:
        ann = self.metadata.get("annotations")
        return ann if isinstance(ann, dict) else {}

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.kind, self.namespace, self.name)

    def get(self, *path: str | int, default: Any = None) -> Any:
        node: Any = self.obj
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return default
        return node

    def location(self, path: FieldPath = ()) -> tuple[str, int]:
        """(file, line) of the object, or of a field in it where known."""
        if not self.source:
            return "", 0
        if self.sources is None:
            return self.source, 0
        return self.source, self.sources.line_of(self, path)


class SourceMaps:
    """Lazily parsed source files, to turn an object and field into a line."""

    def __init__(self, repo_root: Path) -> None:
        self.repo_root = repo_root
        self._docs: dict[str, list[yaml.Node]] = {}

    def _documents(self, source: str) -> list[yaml.Node]:
        if source not in self._docs:
            try:
                text = (self.repo_root / source).read_text(encoding="utf-8")
                self._docs[source] = [n for n in yaml.compose_all(text, Loader=_ComposeLoader)
                                      if n is not None]
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                self._docs[source] = []
        return self._docs[source]

    def line_of(self, resource: Resource, path: FieldPath) -> int:
        docs = self._documents(resource.source)
        if not docs:
            return 0
        if resource.generated:
            return 1
        doc = _match_document(docs, resource)
        if doc is None:
            return 1
        node = doc
        line = doc.start_mark.line + 1
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            key_node, node = child
            # A field's line is its key's line: a block mapping or sequence
            # value starts on the line after.
            line = (key_node or node).start_mark.line + 1
        return line


def _scalar(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node] | None:
    """(key node or None, value node) of a mapping key or sequence index."""
    if isinstance(part, int):
        if isinstance(node, yaml.SequenceNode) and 0 <= part < len(node.value):
            return None, node.value[part]
        return None
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == part:
                return k, v
    return None


def _match_document(docs: list[yaml.Node], resource: Resource) -> yaml.Node | None:
    """The source document an object came from: same kind, and the rendered
    name contains the source name (prefixes, suffixes and hashes are added by
    kustomize)."""
    same_kind = []
    for doc in docs:
        kind = _scalar(doc, "kind")
        if isinstance(kind, yaml.ScalarNode) and kind.value == resource.kind:
            same_kind.append(doc)
    if len(same_kind) == 1:
        return same_kind[0]
    best = None
    for doc in same_kind:
        meta = _scalar(doc, "metadata")
        name = _scalar(meta, "name") if meta is not None else None
        if isinstance(name, yaml.ScalarNode) and name.value and name.value in resource.name:
            if best is None or len(name.value) > len(_scalar(_scalar(best, "metadata"), "name").value):
                best = doc
    return best or (same_kind[0] if same_kind else docs[0] if len(docs) == 1 else None)


def parse_stream(text: str, overlay: str, stream_name: str, *,
                 origin_base: Path | None = None, repo_root: Path | None = None,
                 sources: SourceMaps | None = None) -> list[Resource]:
    """Parse a rendered multi-document stream into Resources.

    origin_base is the folder kustomize resolved origin paths against; with
    repo_root, those paths are turned into repo-relative ones.
    """
    resources = []
    for index, _line, obj in yamlload.load_all(text, stream_name):
        if not isinstance(obj, dict):
            raise InputError(
                f"document {index} is a {type(obj).__name__}, not an object",
                stream_name, _line, "every document must be a Kubernetes object",
            )
        source, generated = _take_origin(obj, origin_base, repo_root)
        resources.append(Resource(obj, overlay, index, source, generated, sources))
    return resources


def _take_origin(obj: dict, origin_base: Path | None, repo_root: Path | None) -> tuple[str, bool]:
    """Remove kustomize's origin annotation, returning (source, generated)."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return "", False
    ann = meta.get("annotations")
    if not isinstance(ann, dict) or ORIGIN_ANNOTATION not in ann:
        return "", False
    raw = ann.pop(ORIGIN_ANNOTATION)
    if not ann:
        del meta["annotations"]
    try:
        origin = yaml.load(raw, Loader=_ComposeLoader) or {}
    except yaml.YAMLError:
        return "", False
    rel = origin.get("path") or origin.get("configuredIn")
    generated = "path" not in origin
    if not rel or origin.get("repo") or origin_base is None or repo_root is None:
        return str(rel or ""), generated
    full = (origin_base / rel).resolve()
    try:
        return str(full.relative_to(repo_root.resolve())), generated
    except ValueError:
        return str(full), generated
