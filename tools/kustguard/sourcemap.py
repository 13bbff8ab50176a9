"""From a rendered object and a field path to the file and line that wrote it.

kustomize tells, per rendered object, the file it came from
(`config.kubernetes.io/origin`) and which kustomizations transformed it, in
order (`alpha.config.kubernetes.io/transformations`). From those, each
object gets *layers*: its source document, then every patch (strategic merge
or JSON 6902, from files or inline) and `images:` entry that applied to it.

A field's line comes from the layer that wrote it:

- the last layer that holds the whole path with a value that replaces what
  came before (a scalar, a list without merge keys, a JSON 6902 operation, an
  `images:` entry);
- otherwise the first layer that holds the whole path (a mapping, or a list
  merged by key, belongs where it was introduced);
- otherwise the layer that holds the longest part of it, the earliest on a tie.

Rendered list items are found in a layer by merge key (`name`,
`containerPort`, ...), never by position alone unless the lists are the same
length. Where nothing places a field, the answer is the object's own line.

Source files are parsed once, with positions (kustguard.positions), and only
when an object from them gets a finding; a field's line then costs a walk of
that one object, whatever the number of documents in the file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from kustguard import yamlload
from kustguard.errors import InputError
from kustguard.positions import Positions

if TYPE_CHECKING:
    from kustguard.resources import Resource

FieldPath = tuple[Any, ...]

# Keys that identify an item of a Kubernetes list across patches (the
# strategic-merge patch merge keys of the core types, most common first).
MERGE_KEYS = ("name", "containerPort", "mountPath", "devicePath", "ip", "topologyKey")
PATCH_KINDS = ("PatchTransformer", "PatchStrategicMergeTransformer", "PatchJson6902Transformer")


@dataclass
class SourceFile:
    """A parsed source file: its documents, and an index by kind and name."""

    docs: list[Positions] = field(default_factory=list)
    by_key: dict[tuple[str, str], Positions] = field(default_factory=dict)
    by_kind: dict[str, list[Positions]] = field(default_factory=dict)
    text: str = ""


@dataclass
class Layer:
    """One place that wrote part of an object."""

    file: str
    positions: Positions
    # Prefix inside `positions` where the object's root is (a JSON 6902
    # operation's value sits at (index, "value")), and the object path that
    # prefix stands for.
    inner: FieldPath = ()
    target: FieldPath = ()
    overrides: bool = False          # JSON 6902 and images: the value replaces
    line_offset: int = 0             # an inline patch's lines inside its kustomization
    image_entry: bool = False


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list:
    return value if isinstance(value, list) else []


class SourceMaps:
    """Lazily parsed source files, to turn an object and field into a line."""

    def __init__(self, repo_root: Path) -> None:
        self.repo_root = repo_root
        self._files: dict[str, SourceFile] = {}
        self._layers: dict[int, tuple[Any, list[Layer]]] = {}

    # -- files -------------------------------------------------------------

    def file(self, rel: str) -> SourceFile:
        if rel not in self._files:
            parsed = SourceFile()
            try:
                data = (self.repo_root / rel).read_bytes()
                parsed.text = yamlload.decode(data, rel)
                parsed.docs = [p for _, p in yamlload.load_all_with_positions(parsed.text, rel)]
            except (OSError, InputError):
                parsed.docs = []
            for doc in parsed.docs:
                meta = _mapping(_mapping(doc.obj).get("metadata"))
                kind, name = _text(_mapping(doc.obj).get("kind")), _text(meta.get("name"))
                parsed.by_key.setdefault((kind, name), doc)
                parsed.by_kind.setdefault(kind, []).append(doc)
            self._files[rel] = parsed
        return self._files[rel]

    def _kustomization(self, rel: str) -> Positions | None:
        docs = self.file(rel).docs
        return docs[0] if docs and isinstance(docs[0].obj, dict) else None

    # -- lookups -----------------------------------------------------------

    def locate(self, resource: "Resource", path: FieldPath) -> tuple[str, int]:
        """(file, line) of a field of a rendered object, or of the object."""
        if resource.positions is not None:  # read straight from its source file
            return resource.source, resource.positions.locate(path)[1]
        if not resource.source:
            return "", 0
        if resource.generated:
            return resource.source, 1
        layers = self.layers(resource)
        if not layers:
            return resource.source, 1 if self.file(resource.source).docs else 0
        return self._choose(resource.obj, layers, path)

    def line_of(self, resource: "Resource", path: FieldPath) -> int:
        return self.locate(resource, path)[1]

    def _choose(self, rendered: Any, layers: list[Layer], path: FieldPath) -> tuple[str, int]:
        results = []
        for order, layer in enumerate(layers):
            depth, line = _walk(layer, rendered, path)
            results.append((depth, line, layer, order))
        origin = results[0]
        if not path:
            return origin[2].file, origin[1]
        full = [r for r in results if r[0] == len(path)]
        if full:
            value = _value_at(rendered, path)
            replacing = [r for r in full if r[2].overrides or _replaces(value)]
            depth, line, layer, _ = replacing[-1] if replacing else full[0]
            return layer.file, line
        depth = max(r[0] for r in results)
        _, line, layer, _ = next(r for r in results if r[0] == depth)
        return layer.file, line

    # -- layers ------------------------------------------------------------

    def layers(self, resource: "Resource") -> list[Layer]:
        cached = self._layers.get(id(resource))
        if cached is not None and cached[0] is resource:
            return cached[1]
        layers = self._build_layers(resource)
        self._layers[id(resource)] = (resource, layers)
        return layers

    def _build_layers(self, resource: "Resource") -> list[Layer]:
        transformations = [(repo_relative(c, resource.origin_base, self.repo_root), kind)
                           for c, kind in parse_transformations(resource.transformations)]
        origin = self._origin_document(resource, transformations)
        if origin is None:
            return []
        layers = [Layer(resource.source, origin)]
        origin_name = _text(_mapping(_mapping(origin.obj).get("metadata")).get("name"))
        names = {resource.name, origin_name} - {""}
        seen: set[tuple[str, str]] = set()
        for configured_in, kind in transformations:
            if (configured_in, kind) in seen:
                continue
            seen.add((configured_in, kind))
            if kind in PATCH_KINDS:
                layers += self._patch_layers(configured_in, resource, names)
            elif kind == "ImageTagTransformer":
                layers += self._image_layers(configured_in)
        return layers

    def _origin_document(self, resource: "Resource",
                         transformations: list[tuple[str, str]]) -> Positions | None:
        source = self.file(resource.source)
        if not source.docs:
            return None
        candidates = [resource.name]
        name = resource.name
        for configured_in, kind in reversed(transformations):
            if "Prefix" in kind or "Suffix" in kind:
                kust = self._kustomization(configured_in)
                if kust is None:
                    continue
                prefix = _text(kust.obj.get("namePrefix"))
                suffix = _text(kust.obj.get("nameSuffix"))
                if prefix and name.startswith(prefix):
                    name = name[len(prefix):]
                if suffix and name.endswith(suffix) and len(name) > len(suffix):
                    name = name[: -len(suffix)]
                candidates.append(name)
        for candidate in reversed(candidates):
            doc = source.by_key.get((resource.kind, candidate))
            if doc is not None:
                return doc
        same_kind = source.by_kind.get(resource.kind, [])
        if len(same_kind) == 1:
            return same_kind[0]
        if len(source.docs) == 1:
            return source.docs[0]
        # Prefixes or suffixes not told: the longest source name inside the
        # rendered one, looked up by substring (bounded by the name's length).
        rendered = resource.name
        names = {n for (k, n) in source.by_key if k == resource.kind and n}
        for size in range(len(rendered), 0, -1):
            for start in range(len(rendered) - size + 1):
                if rendered[start:start + size] in names:
                    return source.by_key[(resource.kind, rendered[start:start + size])]
        return None

    def _patch_layers(self, configured_in: str, resource: "Resource", names: set[str]) -> list[Layer]:
        kust = self._kustomization(configured_in)
        if kust is None:
            return []
        folder = Path(configured_in).parent
        doc = kust.obj
        out: list[Layer] = []
        # (where the patch's text is, if inline; the entry)
        entries: list[tuple[FieldPath, dict]] = []
        for i, entry in enumerate(_items(doc.get("patches"))):
            entries.append((("patches", i, "patch"), _mapping(entry)))
        for i, entry in enumerate(_items(doc.get("patchesStrategicMerge"))):
            text = _text(entry)
            entries.append((("patchesStrategicMerge", i),
                            {"patch": text} if "\n" in text else {"path": text}))
        for i, entry in enumerate(_items(doc.get("patchesJson6902"))):
            entries.append((("patchesJson6902", i, "patch"), _mapping(entry)))
        for where, entry in entries:
            target = _mapping(entry.get("target"))
            if target and not _target_matches(target, resource, names):
                continue
            if isinstance(entry.get("path"), str) and entry["path"]:
                rel = _normalise(str(folder / entry["path"]))
                patch_docs = [(rel, d, 0) for d in self.file(rel).docs]
            elif isinstance(entry.get("patch"), str):
                patch_docs = [(configured_in, d, offset)
                              for d, offset in self._inline(configured_in, kust, where, entry["patch"])]
            else:
                continue
            for file, patch, offset in patch_docs:
                if isinstance(patch.obj, list):
                    out += _json6902_layers(file, patch, offset)
                elif isinstance(patch.obj, dict) and (target or _names_patch(patch.obj, resource, names)):
                    out.append(Layer(file, patch, line_offset=offset))
        return out

    def _inline(self, configured_in: str, kust: Positions, where: FieldPath,
                text: str) -> list[tuple[Positions, int]]:
        """Documents of a patch written inline, with the line offset of its text
        inside the kustomization (block scalars only; otherwise the key's line)."""
        try:
            docs = [p for _, p in yamlload.load_all_with_positions(text, configured_in)]
        except InputError:
            return []
        _, key_line = kust.locate(where)
        lines = self.file(configured_in).text.splitlines()
        block = 0 < key_line <= len(lines) and re.search(r"[|>][-+0-9]*\s*(#.*)?$", lines[key_line - 1])
        if block:
            return [(d, key_line) for d in docs]
        return [(_flat(d, key_line), 0) for d in docs]

    def _image_layers(self, configured_in: str) -> list[Layer]:
        kust = self._kustomization(configured_in)
        if kust is None:
            return []
        return [Layer(configured_in, kust, inner=("images", i), overrides=True, image_entry=True)
                for i, entry in enumerate(_items(kust.obj.get("images"))) if isinstance(entry, dict)]


def repo_relative(rel: str, origin_base: Path | None, repo_root: Path | None) -> str:
    """A path kustomize printed (relative to the folder it built) as a path
    relative to the repository; unchanged when that is not known."""
    if not rel or origin_base is None or repo_root is None:
        return rel
    full = (origin_base / rel).resolve()
    try:
        return str(full.relative_to(repo_root.resolve()))
    except ValueError:
        return str(full)


def _normalise(rel: str) -> str:
    parts: list[str] = []
    for part in Path(rel).parts:
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            else:
                parts.append(part)
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _flat(doc: Positions, line: int) -> Positions:
    from array import array

    return Positions(doc.obj, array("I", [line] * len(doc.lines)))


def _full_match(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return pattern == value


def _target_matches(target: dict, resource: "Resource", names: set[str]) -> bool:
    kind, name = _text(target.get("kind")), _text(target.get("name"))
    if kind and not _full_match(kind, resource.kind):
        return False
    if name and not any(_full_match(name, n) for n in names):
        return False
    group = target.get("group")
    if isinstance(group, str) and group and not _full_match(group, resource.group):
        return False
    selector = _text(target.get("labelSelector"))
    for term in filter(None, (t.strip() for t in selector.split(","))):
        key, eq, value = term.partition("=")
        if eq and resource.labels.get(key.strip().rstrip("!")) != value.strip().lstrip("="):
            return False
    return True


def _names_patch(patch: dict, resource: "Resource", names: set[str]) -> bool:
    meta = _mapping(patch.get("metadata"))
    return _text(patch.get("kind")) == resource.kind and _text(meta.get("name")) in names


def _json6902_layers(file: str, patch: Positions, offset: int) -> list[Layer]:
    out = []
    for i, op in enumerate(patch.obj):
        op = _mapping(op)
        if op.get("op") not in ("add", "replace") or not isinstance(op.get("path"), str):
            continue
        tokens = tuple(t.replace("~1", "/").replace("~0", "~") for t in op["path"].split("/")[1:])
        out.append(Layer(file, patch, inner=(i, "value"), target=tokens, overrides=True,
                         line_offset=offset))
    return out


def _value_at(obj: Any, path: FieldPath) -> Any:
    for part in path:
        if isinstance(obj, dict) and isinstance(part, str):
            obj = obj.get(part)
        elif isinstance(obj, list) and isinstance(part, int) and 0 <= part < len(obj):
            obj = obj[part]
        else:
            return None
    return obj


def _replaces(value: Any) -> bool:
    """Whether a later layer's value at a path replaces an earlier one's: true
    for scalars and lists without merge keys; mappings and keyed lists merge."""
    if isinstance(value, dict):
        return False
    if isinstance(value, list):
        return not any(isinstance(item, dict) and any(k in item for k in MERGE_KEYS) for item in value)
    return True


def _same_item(source: list, rendered: list, index: int) -> int | None:
    item = rendered[index]
    if isinstance(item, dict):
        for key in MERGE_KEYS:
            value = item.get(key)
            if value is None or isinstance(value, (dict, list)):
                continue
            found = [j for j, s in enumerate(source) if isinstance(s, dict) and s.get(key) == value]
            return found[0] if len(found) == 1 else None
    return index if len(source) == len(rendered) else None


def _walk(layer: Layer, rendered: Any, path: FieldPath) -> tuple[int, int]:
    """(parts of `path` this layer holds, line of the deepest one)."""
    if layer.image_entry:
        return _walk_image(layer, rendered, path)
    start = 0
    if layer.target:
        # A JSON 6902 operation holds the fields under its path.
        if len(path) < len(layer.target):
            return 0, 0
        for token, part in zip(layer.target, path):
            if str(part) != token and not (token == "-" and isinstance(part, int)):
                return 0, 0
        start = len(layer.target)
        node = _value_at(layer.positions.obj, layer.inner)
        rendered = _value_at(rendered, path[:start])
    else:
        node = layer.positions.obj
    inner: list[Any] = list(layer.inner)
    depth = start
    for part in path[start:]:
        if isinstance(part, int) and isinstance(node, list) and isinstance(rendered, list) \
                and 0 <= part < len(rendered):
            j = _same_item(node, rendered, part)
            if j is None:
                break
            inner.append(j)
            node, rendered = node[j], rendered[part]
        elif isinstance(part, str) and isinstance(node, dict) and part in node:
            inner.append(part)
            node, rendered = node[part], _mapping(rendered).get(part)
        else:
            break
        depth += 1
    _, line = layer.positions.locate(tuple(inner))
    return depth, line + layer.line_offset if line else 0


_IMAGE_FIELDS = ("containers", "initContainers", "ephemeralContainers")


def _walk_image(layer: Layer, rendered: Any, path: FieldPath) -> tuple[int, int]:
    """An `images:` entry holds a container's `image` when the rendered image
    is the one the entry makes (its new name or name, its new tag or digest)."""
    if len(path) < 3 or path[-1] != "image" or path[-3] not in _IMAGE_FIELDS:
        return 0, 0
    image = _value_at(rendered, path)
    entry = _mapping(_value_at(layer.positions.obj, layer.inner))
    if not isinstance(image, str):
        return 0, 0
    name, tag, digest = _split_image(image)
    want_name = _text(entry.get("newName")) or _text(entry.get("name"))
    if name != want_name:
        return 0, 0
    new_tag, new_digest = str(entry.get("newTag") or ""), _text(entry.get("digest"))
    if new_digest and digest != new_digest:
        return 0, 0
    if new_tag and not new_digest and tag != new_tag:
        return 0, 0
    key = "digest" if new_digest else "newTag" if new_tag else "newName" if entry.get("newName") else ""
    _, line = layer.positions.locate(layer.inner + ((key,) if key else ()))
    return len(path), line


def _split_image(image: str) -> tuple[str, str, str]:
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = ""
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
    return name, tag, digest


def parse_transformations(raw: str) -> list[tuple[str, str]]:
    """(configuredIn, kind) of each transformer kustomize lists, in order."""
    if not raw:
        return []
    try:
        items = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return []
    out = []
    for item in _items(items):
        item = _mapping(item)
        configured_in = _text(item.get("configuredIn"))
        kind = _text(_mapping(item.get("configuredBy")).get("kind"))
        if configured_in and kind:
            out.append((configured_in, kind))
    return out
