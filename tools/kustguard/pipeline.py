"""discover → render → parse → index → check: one run of the validator."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from kustguard.cachedir import cache_dir
from kustguard.checks import CheckInfo, OverlayContext, RepoContext, all_checks, run_checks
from kustguard.checks._pss import said_once
from kustguard.config import Config, find_repo_root, load_config
from kustguard.discover import Entry
from kustguard.environment import Environment, load_environment
from kustguard.errors import InputError
from kustguard.findings import Finding
from kustguard.findings_cache import FindingsCache, code_fingerprint, files_digest
from kustguard.index import Index
from kustguard.inputs import load_plain, unwrap_resources
from kustguard.kustomization import KUSTOMIZATION_NAMES
from kustguard.render import RenderEngine, RenderResult
from kustguard.resources import Resource, SourceMaps, parse_stream
from kustguard.runoptions import RunOptions, excluded_files, skipped_checks
from kustguard.schema.backends import SchemaBackend, make_backend
from kustguard.toolchain import INSTALL_COMMAND, find_renderer, find_tool


@dataclass
class Overlay:
    entry: Entry
    render: RenderResult
    environment: Environment
    resources: list[Resource] = field(default_factory=list)
    index: Index | None = None
    error: str = ""
    # Object count; kept when findings come from the cache and nothing is parsed.
    objects: int = 0
    findings_cached: bool = False

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def rendered(self) -> bool:
        return self.index is not None or self.findings_cached


@dataclass
class RunResult:
    overlays: list[Overlay]
    findings: list[Finding]
    suppressed: int
    config: Config | None = None
    only: set[str] | None = None
    warnings: list[str] = field(default_factory=list)
    # Whether the repository-scope checks ran.
    repo_checks: bool = True

    @cached_property
    def skipped(self) -> dict[str, str]:
        """Check id -> why it did not run (reports list these as skipped, never
        as passed). On demand, like checks: it imports every check module."""
        if self.config is None:
            return {}
        return skipped_checks(all_checks(), self.config, self.only,
                              [o.name for o in self.overlays if o.rendered], self.repo_checks)

    @cached_property
    def checks(self) -> tuple[CheckInfo, ...]:
        """The checks that ran (for reports that list them). Computed on
        demand: it imports every check module, which a fully cached run skips."""
        if self.config is None:
            return all_checks()
        return tuple(c for c in all_checks() if c.id not in self.skipped)

    @property
    def input_errors(self) -> list[str]:
        return [f"{o.name}: {o.error}" for o in self.overlays if o.error]


def make_engine(repo_root: Path, *, use_cache: bool = True, shape_only: bool = True) -> tuple[RenderEngine, list[str]]:
    renderer = find_renderer(repo_root)
    if renderer is None:
        raise InputError("neither kustomize nor kubectl is installed",
                         hint=f"run '{INSTALL_COMMAND}' to install the pinned kustomize")
    warnings = []
    if not renderer.runs_exec_plugins:
        warnings.append(
            "kustomize is missing: rendering with 'kubectl kustomize', which silently skips "
            f"exec KRM functions (SOPS Secrets will be missing); run '{INSTALL_COMMAND}'")
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
        if result.entry.plain:
            overlay.resources = load_plain(result.entry, repo_root, sources)
        else:
            overlay.resources = unwrap_resources(parse_stream(
                result.text, env_name, f"{env_name} (rendered)", origin_base=result.wrapper_dir,
                repo_root=repo_root, sources=sources))
    except InputError as exc:
        overlay.error = str(exc)
        return overlay
    overlay.index = Index(overlay.resources)
    overlay.objects = len(overlay.resources)
    return overlay


def load_overlays(repo_root: Path, entries: list[Entry], config: Config, *,
                  engine: RenderEngine, progress=None) -> list[Overlay]:
    sources = SourceMaps(repo_root)
    results = render_entries(engine, entries, progress=progress)
    return [parse_overlay(repo_root, r, config, sources) for r in results]


def render_entries(engine: RenderEngine, entries: list[Entry], progress=None) -> list[RenderResult]:
    """Kustomizations rendered by kustomize; plain inputs are read when parsed."""
    rendered = iter(engine.render_all([e for e in entries if not e.plain], progress=progress))
    return [RenderResult(e) if e.plain else next(rendered) for e in entries]


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


def _settings_digest(config: Config, backend: str, only: set[str] | None,
                     options: RunOptions) -> str:
    """Every setting, so a new one can never serve stale cached findings."""
    settings = {k: v for k, v in dataclasses.asdict(config).items() if k != "root"}
    return json.dumps([settings, backend, sorted(only) if only else None, options.digest()],
                      sort_keys=True, default=lambda v: sorted(v) if isinstance(v, set) else str(v))


def run(repo_root: Path, entries: list[Entry], config: Config, *, engine: RenderEngine,
        backend_name: str | None = None, only: set[str] | None = None,
        repo_checks: bool = True, progress=None, options: RunOptions | None = None) -> RunResult:
    options = options or RunOptions()
    backend_name = backend_name or config.schema_backend
    cache = FindingsCache(cache_dir(repo_root), enabled=engine.use_cache)
    files = excluded_files(repo_files(repo_root), (*config.exclude, *options.exclude))
    # Checks may look at the repo's layout (an Application's path exists and
    # an entry point includes it): every kustomization file, with its
    # content, is part of every overlay's key.
    layout = files_digest(repo_root, [f for f in files
                                      if f.rsplit("/", 1)[-1] in KUSTOMIZATION_NAMES])
    shared_key = "|".join([code_fingerprint(repo_root),
                           _settings_digest(config, backend_name, only, options), layout])
    sources = SourceMaps(repo_root)
    findings: list[Finding] = []
    suppressed = 0
    backends: dict[str, SchemaBackend] = {}
    kubeconform = find_tool("kubeconform", repo_root)
    overlays = []
    for done, result in enumerate(render_entries(engine, entries, progress=progress), 1):
        if options.check_progress:
            options.check_progress(done, len(entries))
        key = cache.key(result.key, shared_key) if result.key and result.status == "ok" else ""
        hit = cache.get(key) if key else None
        if hit is not None:
            overlay = Overlay(result.entry, result, Environment(result.entry.name, ""),
                              objects=hit.objects, findings_cached=True)
            overlays.append(overlay)
            findings += hit.findings
            suppressed += hit.suppressed
            continue
        overlay = parse_overlay(repo_root, result, config, sources)
        overlays.append(overlay)
        if overlay.index is None:
            continue
        if options.kubernetes_version:
            overlay.environment.kubernetes_version = options.kubernetes_version
        version = overlay.environment.kubernetes_version
        if version not in backends:
            backends[version] = make_backend(backend_name, repo_root, cache_dir(repo_root), version,
                                             kubeconform)
        ctx = OverlayContext(repo_root=repo_root, overlay=overlay.name, index=overlay.index,
                           environment=overlay.environment, schema=backends[version],
                           config=config)
        mine, hidden_count = _collect(run_checks(ctx, enabled_checks(config, overlay.name, only),
                                                 "overlay"))
        mine = said_once(mine)
        findings += mine
        suppressed += hidden_count
        if key:
            cache.put(key, mine, hidden_count, overlay.objects)
    if repo_checks:
        key = cache.key("repo", files_digest(repo_root, files), shared_key)
        hit = cache.get(key)
        if hit is None:
            ctx = RepoContext(repo_root=repo_root, files=files, config=config)
            mine, hidden_count = _collect(run_checks(ctx, enabled_checks(config, "", only), "repo"))
            cache.put(key, mine, hidden_count, 0)
        else:
            mine, hidden_count = hit.findings, hit.suppressed
        findings += mine
        suppressed += hidden_count
    findings.sort(key=Finding.sort_key)
    return RunResult(overlays, findings, suppressed, config=config, only=only,
                     repo_checks=repo_checks)


def _collect(pairs) -> tuple[list[Finding], int]:
    shown, hidden = [], 0
    for finding, is_hidden in pairs:
        if is_hidden:
            hidden += 1
        else:
            shown.append(finding)
    return shown, hidden


def render_objects(entry_dir: Path) -> list[dict]:
    """Render one kustomization (secrets shape-only) and return its objects.

    For tests and tools that want plain dicts; raises InputError if it does
    not render.
    """
    from kustguard.discover import entries_from_args

    repo_root = find_repo_root(Path(entry_dir))
    entry = entries_from_args(repo_root, [str(entry_dir)])[0]
    engine, _ = make_engine(repo_root)
    result = engine.render(entry)
    if result.status != "ok":
        raise InputError(f"not rendered: {result.error}", entry.name)
    return [r.obj for r in parse_stream(result.text, entry.name, entry.name)]
