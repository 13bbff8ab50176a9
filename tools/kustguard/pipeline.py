"""discover → render → parse → index → check: one run of the validator."""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from kustguard.checks import CheckContext, CheckInfo, all_checks, run_checks
from kustguard.config import Config, find_repo_root, load_config
from kustguard.discover import Entry
from kustguard.environment import Environment, load_environment
from kustguard.errors import InputError
from kustguard.findings import Finding
from kustguard.index import Index
from kustguard.render import RenderEngine, RenderResult
from kustguard.resources import Resource, SourceMaps, parse_stream
from kustguard.schema.backends import SchemaBackend, make_backend
from kustguard.toolchain import find_renderer, find_tool

CACHE_ENV = "KUSTGUARD_CACHE_DIR"


def cache_dir(repo_root: Path) -> Path:
    return Path(os.environ.get(CACHE_ENV) or repo_root / ".cache" / "kustguard")


@dataclass
class Overlay:
    entry: Entry
    render: RenderResult
    environment: Environment
    resources: list[Resource] = field(default_factory=list)
    index: Index | None = None
    error: str = ""

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def rendered(self) -> bool:
        return self.index is not None


@dataclass
class RunResult:
    overlays: list[Overlay]
    findings: list[Finding]
    suppressed: int
    checks: tuple[CheckInfo, ...]
    warnings: list[str] = field(default_factory=list)

    @property
    def input_errors(self) -> list[str]:
        return [f"{o.name}: {o.error}" for o in self.overlays if o.error]


def make_engine(repo_root: Path, *, use_cache: bool = True, shape_only: bool = True) -> tuple[RenderEngine, list[str]]:
    renderer = find_renderer(repo_root)
    if renderer is None:
        raise InputError("neither kustomize nor kubectl is installed",
                         hint="run 'make setup' to install the pinned kustomize")
    warnings = []
    if not renderer.runs_exec_plugins:
        warnings.append(
            "kustomize is missing: rendering with 'kubectl kustomize', which silently skips "
            "exec KRM functions (SOPS Secrets will be missing); run 'make setup'")
    return RenderEngine(repo_root, renderer, cache_dir(repo_root), shape_only=shape_only,
                        use_cache=use_cache), warnings


def parse_overlay(repo_root: Path, result: RenderResult, config: Config,
                  sources: SourceMaps) -> Overlay:
    env_name = result.entry.name
    try:
        environment = load_environment(result.entry.path, env_name, config.default_kubernetes_version)
    except InputError as exc:
        return Overlay(result.entry, result, Environment(env_name, config.default_kubernetes_version),
                       error=str(exc))
    overlay = Overlay(result.entry, result, environment)
    if result.status == "error":
        overlay.error = result.error
        return overlay
    if result.status != "ok":
        return overlay
    try:
        overlay.resources = parse_stream(result.text, env_name, f"{env_name} (rendered)",
                                         origin_base=result.wrapper_dir, repo_root=repo_root,
                                         sources=sources)
    except InputError as exc:
        overlay.error = str(exc)
        return overlay
    overlay.index = Index(overlay.resources)
    return overlay


def load_overlays(repo_root: Path, entries: list[Entry], config: Config, *,
                  engine: RenderEngine, progress=None) -> list[Overlay]:
    sources = SourceMaps(repo_root)
    results = engine.render_all(entries, progress=progress)
    return [parse_overlay(repo_root, r, config, sources) for r in results]


def load_overlay(repo_root: Path, entry_path: Path) -> Overlay:
    """Render and index one entry point (for explain and other tools)."""
    config = load_config(repo_root)
    engine, _ = make_engine(repo_root)
    name = os.path.relpath(entry_path.resolve(), repo_root.resolve())
    overlay = load_overlays(repo_root, [Entry(name, entry_path)], config, engine=engine)[0]
    if overlay.error:
        raise InputError(overlay.error)
    return overlay


def repo_files(repo_root: Path) -> list[str]:
    """Files of the repository: git's tracked and untracked-not-ignored ones."""
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=repo_root, capture_output=True, timeout=60)
        if proc.returncode == 0:
            return sorted({p for p in proc.stdout.decode().split("\0")
                           if p and (repo_root / p).is_file()})
    except OSError:
        pass
    skip = {".git", ".venv", ".tools", ".cache", "node_modules", "__pycache__"}
    out = []
    for dirpath, dirnames, filenames in os.walk(repo_root):
        dirnames[:] = [d for d in dirnames if d not in skip]
        out += [os.path.relpath(os.path.join(dirpath, f), repo_root) for f in filenames]
    return sorted(out)


def enabled_checks(config: Config, overlay: str, only: set[str] | None = None) -> list:
    disabled = config.disabled_for(overlay)
    out = []
    for info in all_checks():
        if info.id in disabled or (only is not None and info.id not in only):
            continue
        out.append((info, config.severity.get(info.id, info.severity)))
    return out


def run(repo_root: Path, entries: list[Entry], config: Config, *, engine: RenderEngine,
        backend_name: str | None = None, only: set[str] | None = None,
        repo_checks: bool = True, progress=None) -> RunResult:
    overlays = load_overlays(repo_root, entries, config, engine=engine, progress=progress)
    findings: list[Finding] = []
    suppressed = 0
    backends: dict[str, SchemaBackend] = {}
    kubeconform = find_tool("kubeconform", repo_root)
    for overlay in overlays:
        if overlay.index is None:
            continue
        version = overlay.environment.kubernetes_version
        if version not in backends:
            backends[version] = make_backend(backend_name or config.schema_backend, repo_root,
                                             cache_dir(repo_root), version, kubeconform)
        ctx = CheckContext(repo_root=repo_root, overlay=overlay.name, index=overlay.index,
                           environment=overlay.environment, schema=backends[version])
        for finding, hidden in run_checks(ctx, enabled_checks(config, overlay.name, only), "overlay"):
            if hidden:
                suppressed += 1
            else:
                findings.append(finding)
    if repo_checks:
        ctx = CheckContext(repo_root=repo_root, files=repo_files(repo_root))
        for finding, hidden in run_checks(ctx, enabled_checks(config, "", only), "repo"):
            if hidden:
                suppressed += 1
            else:
                findings.append(finding)
    findings.sort(key=Finding.sort_key)
    return RunResult(overlays, findings, suppressed, all_checks())


def default_run(paths: list[str] | None = None) -> RunResult:
    """A run with the repository's settings, from the current folder."""
    from kustguard.discover import entries_from_args

    repo_root = find_repo_root(Path.cwd())
    config = load_config(repo_root)
    engine, warnings = make_engine(repo_root)
    result = run(repo_root, entries_from_args(repo_root, paths or []), config, engine=engine)
    result.warnings += warnings
    return result
