"""Objects of the inputs kustomize does not render: plain folders, files, stdin.

Each YAML/JSON document becomes a Resource that names its file (so findings
get a file and line); a stream from stdin has no file. Typed lists
(``kind: List``, ``PodList``, ``ConfigMapList``...) are unwrapped into their
items here and in every rendered stream. A SOPS-encrypted document (one with
``sops`` metadata) in a plain folder is left out: it is not applied as it is,
and the ``sops-file`` check reads it.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from kustguard import yamlload
from kustguard.discover import Entry, manifest_files
from kustguard.errors import InputError
from kustguard.resources import Resource, SourceMaps

STDIN_NAME = "(stdin)"


def is_typed_list(obj: Any) -> bool:
    kind = obj.get("kind") if isinstance(obj, dict) else None
    return isinstance(kind, str) and kind.endswith("List") and isinstance(obj.get("items"), list)


def unwrap(objects: Iterable[Any]) -> Iterator[Any]:
    """Every object, with typed lists replaced by their items (nested ones too)."""
    for obj in objects:
        if is_typed_list(obj):
            yield from unwrap(obj["items"])
        else:
            yield obj


def unwrap_resources(resources: list[Resource]) -> list[Resource]:
    """Rendered resources with typed lists replaced by their items."""
    if not any(is_typed_list(r.obj) for r in resources):
        return resources
    out = []
    for res in resources:
        if not is_typed_list(res.obj):
            out.append(res)
            continue
        for item in unwrap([res.obj]):
            out.append(Resource(_object(item, res.source or res.overlay, 0), res.overlay,
                                res.doc_index, res.source, res.generated, res.sources))
    return out


def _object(obj: Any, where: str, line: int) -> dict:
    if not isinstance(obj, dict):
        raise InputError(f"a document is a {type(obj).__name__}, not an object", where, line or None,
                         "every document must be a Kubernetes object")
    return obj


def _display(path: Path, repo_root: Path) -> str:
    try:
        return path.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _documents(text: str, display: str, source: str, overlay: str,
               sources: SourceMaps | None) -> Iterator[Resource]:
    for index, line, obj in yamlload.load_all(text, display):
        if isinstance(obj, dict) and isinstance(obj.get("sops"), dict):
            continue  # SOPS-encrypted: not applied as is (sops-file checks the file)
        for item in unwrap([obj]):
            yield Resource(_object(item, display, line), overlay, index, source, False, sources)


def load_plain(entry: Entry, repo_root: Path, sources: SourceMaps | None = None) -> list[Resource]:
    """The objects of a plain folder, file or stdin stream (InputError if one does not parse)."""
    if entry.kind == "stdin":
        return list(_documents(entry.text, STDIN_NAME, "", entry.name, None))
    files = [entry.path] if entry.kind == "file" else manifest_files(entry.path)
    out: list[Resource] = []
    for path in files:
        display = _display(path, repo_root)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", display) from None
        inside = not Path(display).is_absolute()
        out += _documents(yamlload.decode(data, display), display, display if inside else "",
                          entry.name, sources if inside else None)
    return out
