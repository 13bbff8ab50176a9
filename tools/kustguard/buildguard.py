"""What a kustomize build of repository content may run.

`kustomize build --enable-alpha-plugins --enable-exec` runs any executable a
generator, transformer or validator config names, with any environment the
config lists. Repository content is untrusted: a commit could otherwise run
a shell in the Argo CD plugin sidecar, where the age key lives, or on a
developer's machine through the validator.

Before any build, every plugin config a kustomization tree reaches is read,
and the build is refused unless each one is

- a kustomize builtin (`apiVersion: builtin`), or
- the pinned SOPS plugin: an exec KRM function whose path is exactly
  `kustguard-sops` (found on the operator's PATH), with no `args`, `envs`,
  `mounts`, `network` or container image, or a legacy config of one of the
  plugin's kinds, which kustomize resolves in the operator's plugin folder.

Remote kustomizations cannot be read before kustomize fetches them, so only
remote plain files (an `https://` URL to one YAML or JSON file) are allowed.
The plugin's switches (shape-only, outside-root, key command) therefore come
only from the environment the operator started the build with.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kustguard import yamlload
from kustguard.errors import InputError
from kustguard.kustomization import find_kustomization, is_remote, read_kustomization

PINNED_PLUGIN = "kustguard-sops"
# (apiVersion, kind) of the plugin configs the pinned plugin reads; in legacy
# mode kustomize looks them up in the operator's plugin folder.
PLUGIN_KINDS = frozenset({("kustguard.io/v1", "SopsSecretGenerator")})
PLUGIN_GROUPS = ("viaduct.ai/",)  # KSOPS's kind `ksops`, any version
FUNCTION_ANNOTATIONS = ("config.kubernetes.io/function", "config.k8s.io/function")
CONTAINER_ANNOTATION = "config.kubernetes.io/container"
PLUGIN_FIELDS = ("generators", "transformers", "validators")
RESOURCE_FIELDS = ("resources", "components", "bases")
# A remote plain file: an http(s) URL ending in a YAML or JSON file name, with
# no git ref or repository sub-path.
_REMOTE_FILE = re.compile(r"^https?://[^?#]+\.(ya?ml|json)$")
HINT = ("only builtin plugins and the pinned kustguard-sops, configured by the "
        "operator's environment, run at build time (docs/sops-plugin.md#trust-model)")


@dataclass(frozen=True)
class Refusal:
    """One thing in the tree that a build must not run."""

    path: Path
    line: int
    message: str

    def as_error(self, display: str) -> InputError:
        return InputError(self.message, display, self.line, hint=HINT)


def _line_of(path: Path, start: int, needle: str) -> int:
    """The first line at or after `start` that mentions `needle` (else `start`)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return start
    for number in range(max(start, 1), len(lines) + 1):
        if needle in lines[number - 1]:
            return number
    return start


def _function_spec(doc: dict[str, Any]) -> tuple[str, Any] | None:
    """The KRM function a config declares, as (where, spec), or None."""
    meta = doc.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    annotations = meta.get("annotations")
    annotations = annotations if isinstance(annotations, dict) else {}
    for key in FUNCTION_ANNOTATIONS:
        text = annotations.get(key)
        if text not in (None, ""):
            if not isinstance(text, str):
                return key, text
            try:
                docs = list(yamlload.load_all(text, key))
            except InputError:
                return key, text
            return key, docs[0][2] if docs else None
    if annotations.get(CONTAINER_ANNOTATION) not in (None, ""):
        return CONTAINER_ANNOTATION, {"container": {"image": annotations[CONTAINER_ANNOTATION]}}
    if "configFn" in meta:
        return "metadata.configFn", meta["configFn"]
    return None


def _is_pinned_function(spec: Any) -> str | None:
    """None when `spec` runs exactly the pinned plugin, else why not."""
    if not isinstance(spec, dict):
        return "its function spec is not a mapping"
    extra = sorted(set(spec) - {"exec"})
    if extra:
        return f"its function sets {', '.join(extra)}"
    run = spec.get("exec")
    if not isinstance(run, dict):
        return "its function is not an exec function"
    path = run.get("path")
    if path != PINNED_PLUGIN:
        return f"its exec function runs {path!r}, not {PINNED_PLUGIN}"
    settings = sorted(set(run) - {"path"})
    if settings:
        return f"its exec function sets {', '.join(settings)}"
    return None


def _legacy_allowed(doc: dict[str, Any]) -> bool:
    api, kind = doc.get("apiVersion"), doc.get("kind")
    if not isinstance(api, str) or not isinstance(kind, str):
        return False
    if (api, kind) in PLUGIN_KINDS:
        return True
    return kind == "ksops" and api.startswith(PLUGIN_GROUPS)


def check_config(doc: Any) -> str | None:
    """None when a plugin config may run, else why not (one phrase)."""
    if not isinstance(doc, dict):
        return "a plugin config must be a mapping"
    api = doc.get("apiVersion")
    if api == "builtin":
        return None
    found = _function_spec(doc)
    if found is not None:
        where, spec = found
        why = _is_pinned_function(spec)
        return f"{where}: {why}" if why else None
    if _legacy_allowed(doc):
        return None
    return (f"legacy plugin {api}/{doc.get('kind')} is not the pinned {PINNED_PLUGIN}")


def _config_docs(path: Path) -> Iterator[tuple[int, Any]]:
    for _, line, doc in yamlload.load_file(path):
        yield line, doc


class _Walk:
    def __init__(self) -> None:
        self.refusals: list[Refusal] = []
        self.seen: set[Path] = set()

    def refuse(self, path: Path, line: int, message: str) -> None:
        self.refusals.append(Refusal(path, line, message))

    def config_file(self, path: Path) -> None:
        for line, doc in _config_docs(path):
            why = check_config(doc)
            if why:
                found = _function_spec(doc) if isinstance(doc, dict) else None
                needle = found[0].rsplit(".", 1)[-1] if found else "kind:"
                self.refuse(path, _line_of(path, line, needle), f"plugin config refused: {why}")

    def plugin_folder(self, folder: Path) -> None:
        """A kustomization named as a plugin entry: its resources are configs."""
        kfile = find_kustomization(folder)
        if kfile is None:
            return
        self.kustomization(folder)
        doc = read_kustomization(kfile)
        for field in RESOURCE_FIELDS:
            for entry in _strings(doc.get(field)):
                target = (folder / entry).resolve()
                if target.is_file():
                    self.config_file(target)
                elif target.is_dir():
                    self.plugin_folder(target)

    def kustomization(self, folder: Path) -> None:
        folder = folder.resolve()
        if folder in self.seen:
            return
        self.seen.add(folder)
        kfile = find_kustomization(folder)
        if kfile is None:
            raise InputError("no kustomization here", folder,
                             hint="point at a folder with a kustomization.yaml")
        doc = read_kustomization(kfile)
        for field in PLUGIN_FIELDS:
            for entry in _strings(doc.get(field)):
                self.plugin_entry(kfile, field, entry)
        for field in RESOURCE_FIELDS:
            for entry in _strings(doc.get(field)):
                if is_remote(entry):
                    if not _REMOTE_FILE.match(entry):
                        self.refuse(kfile, _line_of(kfile, 1, entry),
                                    f"remote kustomization {entry!r} cannot be inspected "
                                    "before it runs plugins; vendor it into the repository")
                    continue
                target = (folder / entry).resolve()
                if target.is_dir():
                    self.kustomization(target)

    def plugin_entry(self, kfile: Path, field: str, entry: str) -> None:
        line = _line_of(kfile, 1, entry.splitlines()[0] if entry.strip() else field)
        if "\n" in entry:  # an inline plugin config
            try:
                docs = list(yamlload.load_all(entry, kfile))
            except InputError as exc:
                self.refuse(kfile, line, f"inline {field} entry does not parse: {exc.message}")
                return
            for _, _, doc in docs:
                why = check_config(doc)
                if why:
                    self.refuse(kfile, line, f"inline {field} config refused: {why}")
            return
        if is_remote(entry):
            self.refuse(kfile, line, f"remote {field} entry {entry!r} cannot be inspected")
            return
        target = (kfile.parent / entry).resolve()
        if target.is_file():
            self.config_file(target)
        elif target.is_dir():
            self.plugin_folder(target)


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def inspect(folder: Path) -> list[Refusal]:
    """Every plugin config under the kustomization at `folder` that must not run."""
    walk = _Walk()
    walk.kustomization(folder)
    return walk.refusals


def register(subparsers) -> None:
    """`kustguard guard PATH...`: refuse a tree before anything builds it."""
    cmd = subparsers.add_parser(
        "guard", help="refuse kustomizations that would run anything but the pinned plugin",
        description="Exit 0 when every plugin config under each kustomization folder may "
                    "run, else print one line per refusal on stderr and exit 2. Prints "
                    "nothing on stdout, so it can run before 'kustomize build' in a pipe.")
    cmd.add_argument("paths", nargs="+", metavar="PATH", help="kustomization folders")
    cmd.set_defaults(handler=_cmd_guard)


def _cmd_guard(args) -> int:
    import sys

    refusals: list[InputError] = []
    for name in args.paths:
        folder = Path(name)
        if not folder.is_dir():
            raise InputError("not a folder", name, hint="give a kustomization folder")
        base = Path.cwd()
        for refusal in inspect(folder):
            try:
                display = str(refusal.path.relative_to(base.resolve()))
            except ValueError:
                display = str(refusal.path)
            refusals.append(refusal.as_error(display))
    for error in refusals:
        print(f"kustguard: refused: {error}", file=sys.stderr)
    return 2 if refusals else 0
