"""Render entry-point kustomizations, in parallel, through a content cache.

The cache key of an overlay is every local file it transitively loads (see
kustomization.dependencies), the renderer's identity, the plugin's code and
the shape-only switch: an unchanged overlay is never rendered twice.
Each render goes through a small wrapper kustomization that adds
`buildMetadata: [originAnnotations, transformerAnnotations]`, so every object
names its source file and the kustomizations that transformed it.
An entry point whose remote resources are pinned (`upstream.toml`, see
kustguard.upstream) is rendered from a mirror that uses the verified local
copies instead, with no network.
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import kustguard
from kustguard import buildguard, yamlload
from kustguard.discover import Entry
from kustguard.errors import InputError
from kustguard.kustomization import dependencies
from kustguard.toolchain import Renderer, tool_env
from kustguard.upstream import UpstreamUnavailable, mirror, pins_for

# The mirror of a pinned entry links out of itself (see kustguard.upstream).
LOAD_ANYWHERE = ("--load-restrictor", "LoadRestrictionsNone")

RENDER_TIMEOUT_S = 300
# What the wrapper asks kustomize to record; part of the cache key.
BUILD_METADATA = "[originAnnotations, transformerAnnotations]"


@dataclass
class RenderResult:
    entry: Entry
    text: str = ""
    # ok | error | remote-unreachable
    status: str = "ok"
    error: str = ""
    cached: bool = False
    wrapper_dir: Path | None = None
    # The content key of everything the render read ('' when unknown).
    key: str = ""


def _plugin_fingerprint() -> str:
    """The SOPS plugin's code is part of the key: its output depends on it."""
    root = Path(kustguard.__file__).parent / "sops"
    h = hashlib.sha256(kustguard.__version__.encode())
    for path in sorted(root.glob("*.py")):
        st = path.stat()
        h.update(f"{path.name}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()


class RenderEngine:
    def __init__(self, repo_root: Path, renderer: Renderer, cache_dir: Path, *,
                 shape_only: bool = True, use_cache: bool = True) -> None:
        self.repo_root = repo_root.resolve()
        self.renderer = renderer
        self.cache_dir = cache_dir
        self.shape_only = shape_only
        self.use_cache = use_cache
        self._env = tool_env(self.repo_root, shape_only=shape_only)
        self._fixed_key = "|".join([renderer.identity, _plugin_fingerprint(), str(shape_only),
                                    BUILD_METADATA])

    def cache_key(self, entry: Entry) -> tuple[str, list[str], list[Path]]:
        deps = dependencies(entry.path)
        h = hashlib.sha256(self._fixed_key.encode())
        h.update(str(entry.path.resolve()).encode())
        for path in sorted(deps.files):
            h.update(str(path).encode() + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
        for remote in sorted(deps.remote):
            h.update(remote.encode())
        return h.hexdigest(), deps.remote, sorted(deps.files)

    def _display(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.repo_root))
        except ValueError:
            return str(path)

    def _wrapper(self, entry: Entry, source: Path | None = None) -> Path:
        safe = entry.name.replace("/", "__").replace("..", "_")
        folder = self.cache_dir / "wrap" / safe
        folder.mkdir(parents=True, exist_ok=True)
        rel = os.path.relpath((source or entry.path).resolve(), folder.resolve())
        # A Component is built on its own by listing it under components.
        field = "components" if entry.kind == "component" else "resources"
        text = ("# Generated: renders the entry point with origin annotations.\n"
                f"{field}:\n- {rel}\nbuildMetadata: {BUILD_METADATA}\n")
        target = folder / "kustomization.yaml"
        if not target.is_file() or target.read_text() != text:
            target.write_text(text)
        return folder

    def render(self, entry: Entry) -> RenderResult:
        wrapper = self._wrapper(entry)
        try:
            refused = buildguard.inspect(entry.path)
            if refused:
                first = refused[0]
                more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
                error = first.as_error(self._display(first.path))
                error.message += more
                raise error
            key, remote, files = self.cache_key(entry)
            cached = self.cache_dir / "render" / f"{key}.yaml"
            if self.use_cache and cached.is_file():
                return RenderResult(entry, cached.read_text(encoding="utf-8"), cached=True,
                                    wrapper_dir=wrapper, key=key)
            # kustomize's own YAML errors name neither the file nor the line
            # clearly; the strict loader does, and also refuses duplicate keys.
            for path in files:
                if path.suffix in (".yaml", ".yml"):
                    yamlload.load_file(path, display=self._display(path))
            argv = list(self.renderer.argv)
            pins = pins_for(entry.path) if remote else []
            if pins:
                safe = entry.name.replace("/", "__").replace("..", "_")
                source = mirror(entry.path, self.repo_root, self.cache_dir / "mirror" / safe,
                                pins)
                wrapper = self._wrapper(entry, source)
                argv += LOAD_ANYWHERE
        except InputError as exc:
            if exc.path is not None and Path(exc.path).is_absolute():
                exc.path = self._display(Path(exc.path))
            return RenderResult(entry, status="error", error=str(exc), wrapper_dir=wrapper)
        except UpstreamUnavailable as exc:
            return RenderResult(entry, status="remote-unreachable", wrapper_dir=wrapper,
                                error=f"pinned upstream file unavailable: {exc}")
        try:
            proc = subprocess.run([*argv, str(wrapper)], capture_output=True,
                                  env=self._env, timeout=RENDER_TIMEOUT_S, cwd=self.repo_root)
        except subprocess.TimeoutExpired:
            return RenderResult(entry, status="error", wrapper_dir=wrapper,
                                error=f"kustomize took over {RENDER_TIMEOUT_S}s")
        if proc.returncode != 0:
            message = "kustomize: " + condense_error(proc.stderr.decode("utf-8", "replace"),
                                                     self.repo_root)
            if remote and _NETWORK_FAILURE.search(message):
                return RenderResult(entry, status="remote-unreachable", wrapper_dir=wrapper,
                                    error=f"remote base unreachable: {remote[0]} "
                                          "(offline? kustomize could not fetch it)")
            return RenderResult(entry, status="error", error=message, wrapper_dir=wrapper)
        try:
            text = proc.stdout.decode("utf-8")
        except UnicodeDecodeError:
            return RenderResult(entry, status="error", wrapper_dir=wrapper,
                                error="kustomize printed bytes that are not UTF-8")
        if self.use_cache:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(cached)
        return RenderResult(entry, text, wrapper_dir=wrapper, key=key)

    def render_all(self, entries: list[Entry], progress=None) -> list[RenderResult]:
        workers = max(1, min(len(entries), os.cpu_count() or 2))
        results: list[RenderResult] = []
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for result in pool.map(self.render, entries):
                results.append(result)
                if progress:
                    progress(len(results), len(entries))
        return results


# What kustomize (through Go's net/http or git) says when it cannot reach a host.
_NETWORK_FAILURE = re.compile(
    r"no such host|Could not resolve host|dial tcp|connection refused|network is unreachable|"
    r"i/o timeout|TLS handshake timeout|unable to access", re.IGNORECASE)
_RECURSED = re.compile(r"recursed accumulation of path '([^']+)'")


def condense_error(stderr: str, repo_root: Path) -> str:
    """kustomize's error, shortened to the innermost folder and its cause.

    kustomize nests one "accumulating resources from ..." clause per level of
    the tree; the last folder named and the text after it are what to fix.
    Lines an exec plugin printed before kustomize's own error are kept.
    """
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line[len("Error:"):].strip() for line in lines if line.startswith("Error:")]
    plugin_lines = [line for line in lines if not line.startswith("Error:")]
    if not errors:
        return plugin_lines[-1] if plugin_lines else "kustomize failed with no message"
    message = errors[0]
    folders = _RECURSED.findall(message)
    if folders:
        cause = message.rsplit(f"'{folders[-1]}': ", 1)[-1]
        try:
            where = str(Path(folders[-1]).resolve().relative_to(repo_root))
        except ValueError:
            where = folders[-1]
        message = f"{where}: {cause}"
    if plugin_lines:
        message += f" ({plugin_lines[-1]})"
    return message
