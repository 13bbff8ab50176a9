"""The resource model: rendered objects with their provenance.

A rendered stream is parsed once. Each object remembers the overlay that
rendered it, its index in the stream and, from kustomize's origin and
transformer annotations, the source file it came from and what transformed
it. Files and lines are looked up lazily (kustguard.sourcemap), only for
objects that get a finding.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kustguard import yamlload
from kustguard.errors import InputError
from kustguard.findings import ObjectRef
from kustguard.positions import Positions
from kustguard.sourcemap import SourceMaps, repo_relative

__all__ = ["Resource", "SourceMaps", "parse_stream", "load_source_file", "format_field",
           "FieldPath", "CLUSTER_SCOPED_KINDS", "as_mapping", "as_list", "mappings"]

ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
TRANSFORMATIONS_ANNOTATION = "alpha.config.kubernetes.io/transformations"
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


# Reading fields type-safely: a field of the wrong JSON type is treated as
# absent (the schema check reports it), so no check trips over it.
def as_mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def mappings(value: Any) -> list[dict]:
    """The mapping items of a list field (others are malformed: skipped)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


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
    # kustomize's list of the transformers that changed the object (raw YAML,
    # parsed only if a finding needs a line), and the folder its paths are
    # relative to.
    transformations: str = field(default="", repr=False, compare=False)
    origin_base: Path | None = field(default=None, repr=False, compare=False)
    # The object's own lines, when it was read straight from its source file.
    positions: Positions | None = field(default=None, repr=False, compare=False)

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
        """(file, line) of the object, or of a field in it where known: the
        file is the one that wrote the field (a patch, a component, an
        `images:` entry), else the object's source file."""
        if self.positions is not None and self.sources is None:
            return self.source, self.positions.locate(path)[1]
        if not self.source:
            return "", 0
        if self.sources is None:
            return self.source, 0
        return self.sources.locate(self, path)


def parse_stream(text: str, overlay: str, stream_name: str, *,
                 origin_base: Path | None = None, repo_root: Path | None = None,
                 sources: SourceMaps | None = None) -> list[Resource]:
    """Parse a rendered multi-document stream into Resources.

    origin_base is the folder kustomize resolved origin paths against; with
    repo_root, those paths are turned into repo-relative ones.
    """
    resources = []
    for index, line, obj in yamlload.load_all(text, stream_name):
        _require_object(obj, index, stream_name, line)
        source, generated, transformations = _take_origin(obj, origin_base, repo_root)
        resources.append(Resource(obj, overlay, index, source, generated, sources,
                                  transformations, origin_base))
    return resources


def load_source_file(text: str, overlay: str, rel: str) -> list[Resource]:
    """Resources of a plain manifest file that is its own source: one parse
    gives the objects and the line of every field."""
    resources = []
    for index, positions in yamlload.load_all_with_positions(text, rel):
        _require_object(positions.obj, index, rel, positions.line)
        resources.append(Resource(positions.obj, overlay, index, rel, positions=positions))
    return resources


def _require_object(obj: Any, index: int, stream_name: str, line: int) -> None:
    if not isinstance(obj, dict):
        raise InputError(
            f"document {index} is a {type(obj).__name__}, not an object",
            stream_name, line, "every document must be a Kubernetes object",
        )


# kustomize writes the origin annotation as two or three plain `key: value`
# lines; anything else (quoting, escapes) goes through the YAML loader.
_ORIGIN_LINE = re.compile(r"^(path|repo|ref|configuredIn): ([^'\"{\[&*!|>#%@`][^#]*?)\s*$", re.MULTILINE)


def _parse_origin(raw: Any) -> dict:
    if not isinstance(raw, str):
        return {}
    simple = dict(_ORIGIN_LINE.findall(raw))
    if simple and ("path" in simple or "configuredIn" in simple) and "'" not in raw and '"' not in raw:
        return simple
    try:
        origin = yaml.load(raw, Loader=_ComposeLoader)
    except yaml.YAMLError:
        return {}
    return origin if isinstance(origin, dict) else {}


def _take_origin(obj: dict, origin_base: Path | None, repo_root: Path | None) -> tuple[str, bool, str]:
    """Remove kustomize's origin and transformer annotations, returning
    (source, generated, raw transformations)."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return "", False, ""
    ann = meta.get("annotations")
    if not isinstance(ann, dict):
        return "", False, ""
    if ORIGIN_ANNOTATION not in ann and TRANSFORMATIONS_ANNOTATION not in ann:
        return "", False, ""
    raw_transformations = ann.pop(TRANSFORMATIONS_ANNOTATION, "")
    transformations = raw_transformations if isinstance(raw_transformations, str) else ""
    raw = ann.pop(ORIGIN_ANNOTATION, None)
    if not ann:
        del meta["annotations"]
    if raw is None:
        return "", False, transformations
    origin = _parse_origin(raw)
    rel = origin.get("path") or origin.get("configuredIn")
    generated = "path" not in origin
    if not isinstance(rel, str) or not rel:
        return "", generated, transformations
    if origin.get("repo"):
        return rel, generated, transformations
    return repo_relative(rel, origin_base, repo_root), generated, transformations
