"""The benchmark harness: kustguard against its peers, side by side, in one run.

    python bench/run.py                      # what `make bench` runs
    python bench/run.py --size tiny --no-install --out X.md   # the smoke run
    python bench/run.py --only schema,full --sizes 1000,10000

Installs the peers pinned (bench/peers.py), generates the corpora
deterministically from --seed (bench/corpus.py), then measures each
comparison with both sides run alternately (bench/measure.py), and writes
RESULTS.md (bench/report.py) plus the raw numbers as JSON in the work folder.

Sections (--only): schema, full, repo, hook, reach, sops, profile.
A peer that is missing or over its time budget is reported and skipped.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import platform
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import measure  # noqa: E402
import peers as peers_mod  # noqa: E402
import reach_compare  # noqa: E402
from measure import Command, alternate  # noqa: E402

SECTIONS = ("schema", "full", "onefile", "repo", "hook", "reach", "sops", "profile", "whatif")
# Sizes of the one-big-file corpus (n Deployments in one file), per preset.
ONEFILE_SIZES = {"full": [1000, 5000, 20000], "quick": [1000, 5000], "tiny": [100, 300]}
PRESETS = {
    # resources, policy corpora (workloads = policies), secrets, repeats
    "full": {"sizes": [1000, 10000, 50000], "policies": [100, 500, 2000], "secrets": 1000,
             "repeats": 3, "warmup": True},
    "quick": {"sizes": [1000, 10000], "policies": [100, 500], "secrets": 200, "repeats": 3,
              "warmup": True},
    # The smoke run of `make test`: every section and row, one run each, no timing judged.
    "tiny": {"sizes": [60, 200], "policies": [10, 20], "secrets": 3, "repeats": 1, "warmup": False},
}
HOOK_FILE = "base/todo/deployment.yaml"
PYTHON = sys.executable
VENV_BIN = Path(PYTHON).parent


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Context:
    args: argparse.Namespace
    work: Path
    peers: peers_mod.Peers
    cache_dir: Path = Path()
    core_dir: Path = Path()
    results: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def repeats(self, n: int | None = None) -> int:
        if self.args.repeats:
            return self.args.repeats
        base = PRESETS[self.args.size]["repeats"]
        return min(base, 2) if n is not None and n >= 50000 else base

    def warmup(self, n: int = 0) -> bool:
        return PRESETS[self.args.size]["warmup"] and n <= 1000

    def kubeconform_locations(self) -> list[str]:
        return [str(self.core_dir / "{{ .ResourceKind }}{{ .KindSuffix }}.json"),
                str(REPO / "schemas" / "{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json")]


# -- setup -----------------------------------------------------------------------

def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "load_at_start": os.getloadavg()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
        info["cpu"] = model.group(1).strip() if model else platform.processor()
        mem = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
        info["memory_gb"] = round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None
    except OSError:
        info["cpu"] = platform.processor()
    go = shutil.which("go")
    if go:
        info["go"] = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True).stdout.strip()
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "tools/kustguard"], cwd=REPO,
                               capture_output=True, text=True).stdout.strip()
        info["kustguard"] = head + (" (tools/kustguard has uncommitted changes)" if dirty else "")
    except OSError:
        pass
    import yaml
    from importlib.metadata import version as _version
    info["libraries"] = {"jsonschema-rs": _version("jsonschema-rs"),
                         "PyYAML": yaml.__version__, "libyaml": bool(getattr(yaml, "__with_libyaml__", False))}
    return info


def prepare_schemas(ctx: Context) -> None:
    """kustguard's relative-ref copy of the core schemas, shared with kubeconform."""
    from kustguard.schema.catalog import catalog_for

    ctx.cache_dir = ctx.work / "kustguard-cache"
    catalog = catalog_for(REPO, ctx.cache_dir, ctx.args.k8s_version)
    ctx.core_dir = catalog.core_dir


def kube_linter_config(ctx: Context) -> Path:
    """All built-in checks; the built-in schema check, which downloads its
    schemas, replaced by the same kubeconform template on the local schemas."""
    path = ctx.work / "kube-linter.yaml"
    locations = "".join(f"        - {json.dumps(loc)}\n" for loc in ctx.kubeconform_locations())
    path.write_text(
        "checks:\n  addAllBuiltIn: true\n  exclude: [\"schema-validation\"]\n"
        "customChecks:\n  - name: schema-validation-local\n    template: kubeconform\n"
        "    params:\n      schemaLocations:\n" + locations +
        "      strict: true\n      ignoreMissingSchemas: false\n      skipKinds: []\n"
        "      rejectKinds: []\n"
        f"      cache: {json.dumps(str(ctx.work / 'kube-linter-cache'))}\n")
    (ctx.work / "kube-linter-cache").mkdir(exist_ok=True)
    return path


def resource_corpus(ctx: Context, n: int) -> tuple[Path, dict]:
    folder = ctx.work / "corpora" / f"resources-{n}-{corpus.fingerprint('resources', n, ctx.args.seed)}"
    if not (folder / ".complete").is_file():
        log(f"  generating {n:,} resources (seed {ctx.args.seed})")
    groups = None if (folder / ".complete").is_file() else corpus.resources(n, ctx.args.seed)
    summary = corpus.write(groups or [], folder)
    return folder, summary


def policy_corpus(ctx: Context, n: int) -> tuple[Path, set[str]]:
    folder = ctx.work / "corpora" / f"policies-{n}x{n}-{corpus.fingerprint('policies', n, n, ctx.args.seed)}"
    groups = corpus.policies(n, n, ctx.args.seed)
    corpus.write(groups, folder)
    return folder, reach_compare.workloads_of(groups)


def env_with(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", "")])
    env.update(extra)
    return env


def record(ctx: Context, section: str, row: str, stats: dict[str, measure.Stats], **extra) -> dict:
    entry = {name: s.to_dict() for name, s in stats.items()}
    entry.update(extra)
    ctx.results.setdefault(section, {})[row] = entry
    return entry


def read_json_line(path: Path) -> dict:
    try:
        return json.loads(path.read_text().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return {}


# -- 1. schema validation alone ---------------------------------------------------

def kubeconform_invalid(path: Path) -> int | None:
    text = path.read_text(errors="replace") if path.is_file() else ""
    m = re.search(r"Invalid: (\d+), Errors: (\d+)", text)
    return int(m.group(1)) + int(m.group(2)) if m else None


def section_schema(ctx: Context) -> None:
    kc = ctx.peers.kubeconform
    for n in ctx.args.sizes:
        folder, summary = resource_corpus(ctx, n)
        for form, target in (("tree", folder / "tree"), ("stream", folder / "stream.yaml")):
            row = f"{form}/{n}"
            log(f"schema validation, {n:,} resources as {'a tree of files' if form == 'tree' else 'one stream'}")
            out_ours = ctx.work / "out" / f"schema-ours-{form}-{n}.json"
            out_kc = ctx.work / "out" / f"schema-kubeconform-{form}-{n}.txt"
            sides = {"kustguard": Command(
                [PYTHON, str(HERE / "kg_files.py"), "schema", str(target), "--cache-dir", str(ctx.cache_dir),
                 "--version", ctx.args.k8s_version], stdout=out_ours)}
            if kc.ok:
                argv = [kc.path, "-strict", "-n", "2", "-summary"]
                for loc in ctx.kubeconform_locations():
                    argv += ["-schema-location", loc]
                sides["kubeconform"] = Command(argv + [str(target)], stdout=out_kc, ok_codes=(0, 1),
                                               timeout=ctx.args.peer_budget)
            stats = alternate(sides, ctx.repeats(n), warmup=ctx.warmup(n), log=log)
            ours = read_json_line(out_ours)
            same = None
            if kc.ok and stats["kubeconform"].samples:
                theirs = kubeconform_invalid(out_kc)
                same = {"identical": theirs == ours.get("invalid"), "ours_invalid": ours.get("invalid"),
                        "kubeconform_invalid": theirs}
            record(ctx, "schema", row, stats, n=n, form=form, corpus=summary, check=same,
                   peer_missing=None if kc.ok else kc.problem)


# -- 2. full validation --------------------------------------------------------------

def _predict(history: list[tuple[int, float]], n: int) -> float | None:
    """Seconds a peer would take at n, from its own measured growth (at least linear)."""
    if not history:
        return None
    n1, t1 = history[-1]
    exponent = 1.0
    if len(history) >= 2:
        n0, t0 = history[-2]
        if t0 > 0 and n1 != n0:
            exponent = max(1.0, math.log(t1 / t0) / math.log(n1 / n0))
    return t1 * (n / n1) ** exponent


def section_full(ctx: Context) -> None:
    kl, ck = ctx.peers.kube_linter, ctx.peers.checkov
    config = kube_linter_config(ctx) if kl.ok else None
    checkov_history: list[tuple[int, float]] = []
    for n in ctx.args.sizes:
        folder, summary = resource_corpus(ctx, n)
        tree = folder / "tree"
        log(f"full validation, {n:,} resources (tree of files)")
        out_ours = ctx.work / "out" / f"full-ours-{n}.json"
        sides = {"kustguard": Command(
            [PYTHON, str(HERE / "kg_files.py"), "full", str(tree), "--cache-dir", str(ctx.cache_dir),
             "--version", ctx.args.k8s_version], stdout=out_ours)}
        if kl.ok:
            sides["kube-linter"] = Command([kl.path, "lint", "--config", str(config), "--format", "json",
                                            str(tree)], ok_codes=(0, 1), timeout=ctx.args.peer_budget,
                                           stdout=ctx.work / "out" / f"full-kube-linter-{n}.json")
        checkov_note = None
        checkov_cmd = None
        if ck.ok:
            predicted = _predict(checkov_history, n)
            if predicted is not None and predicted > ctx.args.checkov_budget:
                checkov_note = (f"not run at {n:,}: predicted {predicted:.0f} s per run from its growth, "
                                f"over the {ctx.args.checkov_budget:.0f} s budget (--checkov-budget)")
                log(f"  Checkov: {checkov_note}")
            else:
                # `-d .` from inside the tree: Checkov skips any folder whose path has
                # a hidden component, such as the default work folder .cache/bench.
                checkov_cmd = Command(
                    [ck.path, "-d", ".", "--framework", "kubernetes", "-o", "json", "--quiet",
                     "--compact", "--skip-download"], cwd=tree,
                    ok_codes=(0, 1), timeout=ctx.args.checkov_budget * 1.5,
                    env=env_with(BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false"),
                    stdout=ctx.work / "out" / f"full-checkov-{n}.json")
        stats = alternate(sides, ctx.repeats(n), warmup=ctx.warmup(n), log=log)
        if checkov_cmd is not None:
            # Checkov is an order of magnitude slower: alternate it with ours
            # too, but fewer times when one run is long.
            predicted = _predict(checkov_history, n) or 0
            reps = 1 if predicted > 30 else ctx.repeats(n)
            extra = alternate({"kustguard ": sides["kustguard"], "checkov": checkov_cmd}, reps, log=log)
            stats["checkov"] = extra["checkov"]
            stats["kustguard (with checkov)"] = extra["kustguard "]
            if extra["checkov"].samples:
                checkov_history.append((n, extra["checkov"].median()))
        ours = read_json_line(out_ours)
        peer_counts = {}
        if kl.ok and stats.get("kube-linter") and stats["kube-linter"].samples:
            try:
                reports = json.loads((ctx.work / "out" / f"full-kube-linter-{n}.json").read_text())
                peer_counts["kube-linter findings"] = len(reports.get("Reports") or [])
            except (OSError, ValueError):
                stats["kube-linter"].samples.clear()
                stats["kube-linter"].error = "its JSON output did not parse"
        if stats.get("checkov") and stats["checkov"].samples:
            try:
                summary_ck = json.loads((ctx.work / "out" / f"full-checkov-{n}.json").read_text())
                summary_ck = summary_ck[0] if isinstance(summary_ck, list) else summary_ck
                summary_ck = summary_ck.get("summary", summary_ck)
                peer_counts["checkov resources"] = summary_ck.get("resource_count", 0)
                peer_counts["checkov failed checks"] = summary_ck.get("failed", 0)
            except (OSError, ValueError, AttributeError):
                peer_counts["checkov resources"] = 0
            if not peer_counts["checkov resources"]:
                stats["checkov"].samples.clear()
                stats["checkov"].error = "Checkov read no resources: its time does not count"
                checkov_history.clear()
        record(ctx, "full", f"tree/{n}", stats, n=n, corpus=summary, ours=ours, peer_counts=peer_counts,
               checkov_note=checkov_note,
               peer_missing={p.name: p.problem for p in (kl, ck) if not p.ok} or None)


# -- 2b. one big file ------------------------------------------------------------------

def section_onefile(ctx: Context) -> None:
    """n Deployments with findings in one file: the shape of a vendored install
    manifest. Full validation (every finding with file and line) against
    kubeconform on the same file; the sizes show the growth."""
    kc = ctx.peers.kubeconform
    for n in ONEFILE_SIZES[ctx.args.size]:
        folder = ctx.work / "corpora" / f"onefile-{n}-{corpus.fingerprint('onefile', n)}"
        groups = None if (folder / ".complete").is_file() else corpus.one_file(n)
        summary = corpus.write(groups or [], folder, kustomization=True)
        target = folder / "tree" / "deployments.yaml"
        log(f"one file of {n:,} Deployments, full validation")
        out_ours = ctx.work / "out" / f"onefile-ours-{n}.json"
        sides = {"kustguard": Command(
            [PYTHON, str(HERE / "kg_files.py"), "full", str(target), "--root", str(folder / "tree"),
             "--cache-dir", str(ctx.cache_dir), "--version", ctx.args.k8s_version], stdout=out_ours)}
        if kc.ok:
            argv = [kc.path, "-strict", "-n", "2", "-summary"]
            for loc in ctx.kubeconform_locations():
                argv += ["-schema-location", loc]
            sides["kubeconform"] = Command(argv + [str(target)], ok_codes=(0, 1),
                                           timeout=ctx.args.peer_budget)
        stats = alternate(sides, ctx.repeats(n), warmup=ctx.warmup(n), log=log)
        record(ctx, "onefile", f"file/{n}", stats, n=n, corpus=summary, ours=read_json_line(out_ours),
               peer_missing=None if kc.ok else kc.problem)


# -- 3. the whole repository, end to end ------------------------------------------------

def clone_repo(ctx: Context) -> Path:
    target = ctx.work / "repo-clone"
    if target.exists():
        shutil.rmtree(target)
    subprocess.run(["git", "clone", "--quiet", "--local", "--no-hardlinks", str(REPO), str(target)],
                   check=True)
    subprocess.run(["git", "config", "user.email", "bench@example.invalid"], cwd=target, check=True)
    subprocess.run(["git", "config", "user.name", "bench"], cwd=target, check=True)
    return target


def peers_pipeline_script(ctx: Context, config: Path | None) -> Path:
    kc = ctx.peers.kubeconform
    kl = ctx.peers.kube_linter
    kz = ctx.peers.kustomize
    locs = " ".join(f"-schema-location '{loc}'" for loc in ctx.kubeconform_locations())
    script = ctx.work / "peers-pipeline.sh"
    lines = [
        "#!/usr/bin/env bash",
        "# One entry point through the peers' pipeline: kustomize build, then",
        "# kubeconform and kube-linter on the rendered stream. Findings are not",
        "# failures; a render that fails (a remote base offline) is reported and skipped.",
        "set -u",
        'out=$(mktemp)',
        f'if ! "{kz.path}" build --enable-alpha-plugins --enable-exec "$1" > "$out" 2>"$out.err"; then',
        '  echo "render failed: $1" >&2; rm -f "$out" "$out.err"; exit 0',
        "fi",
    ]
    if kc.ok:
        lines.append(f'"{kc.path}" -strict -n 2 -summary {locs} "$out" > /dev/null')
    if kl.ok and config:
        lines.append(f'"{kl.path}" lint --config "{config}" "$out" > /dev/null 2>&1')
    lines += ['rm -f "$out" "$out.err"', "exit 0"]
    script.write_text("\n".join(lines) + "\n")
    return script


def section_repo(ctx: Context) -> None:
    from kustguard.discover import discover

    clone = clone_repo(ctx)
    entries = [e.name for e in discover(clone)]
    kg = str(VENV_BIN / "kustguard")
    tools_env = {"KUSTGUARD_TOOLS_DIR": str(REPO / ".tools" / "bin")}
    cold_cache = ctx.work / "repo-cache-cold"
    warm_cache = ctx.work / "repo-cache-warm"

    def fresh_cold() -> None:
        shutil.rmtree(cold_cache, ignore_errors=True)

    log(f"whole repository: {len(entries)} entry points, cold and warm cache")
    shutil.rmtree(warm_cache, ignore_errors=True)
    subprocess.run([kg, "validate", "--format", "json"], cwd=clone, capture_output=True,
                   env=env_with(KUSTGUARD_CACHE_DIR=str(warm_cache), **tools_env))
    out_cold = ctx.work / "out" / "repo-cold.json"
    sides = {
        "kustguard cold": Command([kg, "validate", "--format", "json"], cwd=clone, ok_codes=(0, 1),
                                  env=env_with(KUSTGUARD_CACHE_DIR=str(cold_cache), **tools_env),
                                  before=fresh_cold, stdout=out_cold),
        "kustguard warm": Command([kg, "validate", "--format", "json"], cwd=clone, ok_codes=(0, 1),
                                  env=env_with(KUSTGUARD_CACHE_DIR=str(warm_cache), **tools_env),
                                  stdout=ctx.work / "out" / "repo-warm.json"),
    }
    kz = ctx.peers.kustomize
    missing = [p.name for p in (kz, ctx.peers.kubeconform, ctx.peers.kube_linter) if not p.ok]
    if kz.ok:
        config = kube_linter_config(ctx) if ctx.peers.kube_linter.ok else None
        script = peers_pipeline_script(ctx, config)
        listing = " ".join(f"'{e}'" for e in entries)
        sides["peers: kustomize | kubeconform, kube-linter"] = Command(
            f"printf '%s\\n' {listing} | xargs -P 2 -n 1 bash '{script}'", cwd=clone,
            env=env_with(KUSTGUARD_SOPS_SHAPE_ONLY="1", **tools_env),
            stdout=ctx.work / "out" / "repo-peers.txt")
    stats = alternate(sides, ctx.repeats(), warmup=ctx.warmup(), log=log)
    report = {}
    try:
        report = json.loads(out_cold.read_text())
    except (OSError, ValueError):
        pass
    statuses = {o["name"]: o["status"] for o in report.get("overlays", [])}
    record(ctx, "repo", "whole", stats, entries=entries, statuses=statuses,
           findings=len(report.get("findings", [])), peers_missing=missing or None)


# -- 4. the pre-commit hook on a one-file change -----------------------------------------

def section_hook(ctx: Context) -> None:
    clone = ctx.work / "repo-clone"
    if not clone.is_dir():
        clone = clone_repo(ctx)
    target = clone / HOOK_FILE
    if not target.is_file():
        candidates = sorted((clone / "base").rglob("*.yaml"))
        target = candidates[0]
    rel = str(target.relative_to(clone))
    cache = ctx.work / "hook-cache"
    tools_env = {"KUSTGUARD_TOOLS_DIR": str(REPO / ".tools" / "bin"), "KUSTGUARD_CACHE_DIR": str(cache)}
    env = env_with(**tools_env)
    original = target.read_text()
    counter = [0]

    def edit() -> None:
        # A one-line change that changes the file's content (so every render
        # that loads it misses the cache) but not its meaning.
        counter[0] += 1
        target.write_text(original + f"# bench edit {counter[0]}\n")
        subprocess.run(["git", "add", rel], cwd=clone, check=True)

    log(f"pre-commit hooks on a one-file change ({rel}), warm cache for everything else")
    shutil.rmtree(cache, ignore_errors=True)
    subprocess.run([str(VENV_BIN / "kustguard"), "validate", "--format", "json"], cwd=clone,
                   capture_output=True, env=env)
    hooks = ["yaml-syntax", "secret-guard", "kustomization-lint", "validate-affected"]
    script = " && ".join(f"'{PYTHON}' -m kustguard.hooks {h} '{rel}' > /dev/null" for h in hooks)
    out = ctx.work / "out" / "hook-validate-affected.txt"
    sides = {
        "validate-affected": Command([PYTHON, "-m", "kustguard.hooks", "validate-affected", rel],
                                     cwd=clone, env=env, before=edit, stdout=out, ok_codes=(0, 1)),
        "all four kustguard hooks": Command(script, cwd=clone, env=env, before=edit, ok_codes=(0, 1)),
    }
    stats = alternate(sides, ctx.repeats(), log=log)
    target.write_text(original)
    subprocess.run(["git", "add", rel], cwd=clone, check=True)
    first = out.read_text().splitlines()[:1] if out.is_file() else []
    record(ctx, "hook", "one-file", stats, file=rel, summary=first[0] if first else "")


# -- 5. reachability ---------------------------------------------------------------

def section_reach(ctx: Context) -> None:
    np_peer = ctx.peers.netpolicy
    history: list[tuple[int, float]] = []
    for n in ctx.args.policies:
        folder, workloads = policy_corpus(ctx, n)
        log(f"reachability, {n:,} workloads x {n:,} NetworkPolicies")
        out_ours = ctx.work / "out" / f"reach-ours-{n}.txt"
        out_np = ctx.work / "out" / f"reach-netpolicy-{n}.json"
        sides = {"kustguard explain": Command([str(VENV_BIN / "kustguard"), "explain", "-f", "stream.yaml"],
                                              cwd=folder, stdout=out_ours)}
        note = None
        bound = None
        run_peer = np_peer.ok
        predicted = _predict(history, n)
        if np_peer.ok and predicted is not None and predicted > ctx.args.peer_budget:
            note = (f"netpol-analyzer predicted at {predicted:.0f} s per run from its growth "
                    f"(over the {ctx.args.peer_budget:.0f} s budget): run once, stopped at the budget")
            run_peer = False
        if run_peer:
            sides["netpol-analyzer list"] = Command(
                [np_peer.path, "list", "--dirpath", "tree", "-o", "json", "-q"], cwd=folder,
                stdout=out_np, timeout=ctx.args.peer_budget)
        reps = ctx.repeats() if predicted is None or predicted < 30 else 2
        stats = alternate(sides, reps, log=log)
        if np_peer.ok and not run_peer:
            # One capped run: its time is a lower bound on what the peer needs.
            capped = Command([np_peer.path, "list", "--dirpath", "tree", "-o", "json", "-q"], cwd=folder,
                             stdout=out_np, timeout=ctx.args.peer_budget)
            sample = measure.run_once(capped)
            bound = {"timed_out": sample.timed_out, "wall": sample.wall, "cpu": sample.cpu,
                     "rss_mb": sample.rss_mb, "rc": sample.rc}
            log(f"    netpol-analyzer (capped)    {sample.wall:8.2f} s wall "
                f"{'(stopped at the budget)' if sample.timed_out else ''}")
            if not sample.timed_out and sample.rc == 0:
                stats["netpol-analyzer list"] = measure.Stats([sample])
        check = None
        if "netpol-analyzer list" in stats and stats["netpol-analyzer list"].samples:
            history.append((n, stats["netpol-analyzer list"].median()))
            check = reach_compare.compare(out_ours.read_text(), out_np.read_text(), workloads)
        elif bound and bound["timed_out"]:
            history.append((n, bound["wall"]))
        record(ctx, "reach", f"{n}x{n}", stats, n=n, check=check, note=note, capped=bound,
               peer_missing=None if np_peer.ok else np_peer.problem)


# -- 6. SOPS ---------------------------------------------------------------------

def _secret_values(text: str) -> set[str]:
    import base64

    import yaml

    values = set()
    for doc in yaml.safe_load_all(text):
        if not isinstance(doc, dict) or doc.get("kind") != "Secret":
            continue
        for key, value in (doc.get("stringData") or {}).items():
            values.add(f"{doc['metadata']['name']}/{key}={value}")
        for key, value in (doc.get("data") or {}).items():
            values.add(f"{doc['metadata']['name']}/{key}={base64.b64decode(value).decode()}")
    return values


def section_sops(ctx: Context) -> None:
    import sops_bench  # the teammate's 1,000-secret benchmark: its corpus, our measurement

    count = ctx.args.secrets
    # Outside the repository: sops walks up from its folder to the nearest
    # .sops.yaml, and this repository's creation rules do not cover the
    # benchmark's files.
    folder = Path(tempfile.mkdtemp(prefix="kustguard-bench-sops-"))
    try:
        log(f"SOPS: encrypting {count:,} secrets with sops (setup, untimed)")
        env = sops_bench.prepare(folder, count)
        files = sorted(folder.glob("s*.enc.yaml"), key=lambda p: int(p.name[1:].split(".")[0]))
        out_plugin = ctx.work / "out" / "sops-plugin.yaml"
        decrypted = folder / "decrypted"
        decrypted.mkdir()
        loop = (f"for f in s*.enc.yaml; do '{sops_bench.BIN / 'sops'}' decrypt \"$f\" > "
                f"'{decrypted}'/\"$f\" || exit 1; done")
        sides = {
            "kustguard-sops (one process)": Command([str(sops_bench.BIN / "kustguard-sops"),
                                                     str(folder / "generator.yaml")], cwd=folder, env=env,
                                                    stdout=out_plugin),
            "sops -d (one per file)": Command(loop, cwd=folder, env=env),
        }
        log(f"SOPS: decrypting {count:,} secrets")
        stats = alternate(sides, ctx.repeats(), log=log)
        ours = _secret_values(out_plugin.read_text()) if out_plugin.is_file() else set()
        theirs = set()
        for f in files:
            path = decrypted / f.name
            if path.is_file():
                theirs |= _secret_values(path.read_text())
        check = {"identical": ours == theirs and len(ours) == 2 * count,
                 "values_ours": len(ours), "values_sops": len(theirs)}
        record(ctx, "sops", f"{count}", stats, n=count, check=check)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- profiles -------------------------------------------------------------------

def _profile(argv: list[str], top: int = 14) -> list[dict]:
    import kg_files

    profiler = cProfile.Profile()
    saved = sys.stdout
    sys.stdout = io.StringIO()
    try:
        profiler.runcall(kg_files.main, argv)
    finally:
        sys.stdout = saved
    stats = pstats.Stats(profiler)
    total = max(stats.total_tt, 1e-9)
    rows = []
    for (filename, line, func), (cc, nc, tt, ct, callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append({"function": f"{_short(filename)}:{line}({func})", "self": tt, "cumulative": ct,
                     "calls": nc})
    rows.sort(key=lambda r: -r["self"])
    buckets = []
    for label, suffix, func in STAGES:
        seconds = sum(ct for (filename, _, name), (_, _, _, ct, _) in stats.stats.items()  # type: ignore[attr-defined]
                      if name == func and filename.endswith(suffix))
        buckets.append({"bucket": label, "seconds": seconds})
    return ([{**r, "self_share": r["self"] / total} for r in rows[:top]] + buckets
            + [{"total": total}])


# Stages of our side, as (label, file suffix, function) whose cumulative time is reported.
STAGES = (
    ("strict YAML parse (yamlload.load_all)", "kustguard/yamlload.py", "load_all"),
    ("strict YAML parse with field lines (yamlload.load_all_with_positions)", "kustguard/yamlload.py",
     "load_all_with_positions"),
    ("Index", "kustguard/index.py", "__init__"),
    ("every check (checks.run_checks), including the two below", "kustguard/checks/__init__.py",
     "run_checks"),
    ("  schema validation (PythonBackend.validate_all)", "schema/python_backend.py", "validate_all"),
    ("  finding line numbers (Resource.location)", "kustguard/resources.py", "location"),
)


def _short(filename: str) -> str:
    for marker in ("site-packages/", "tools/", "bench/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return os.path.basename(filename)


def section_profile(ctx: Context) -> None:
    n_full = max([n for n in ctx.args.sizes if n <= 10000] or ctx.args.sizes[:1])
    n_schema = n_full
    log(f"profiles (cProfile, in process): full at {n_full:,}, schema at {n_schema:,}")
    out = {}
    folder, _ = resource_corpus(ctx, n_full)
    out[f"full/{n_full}"] = _profile(["full", str(folder / "tree"), "--cache-dir", str(ctx.cache_dir),
                                      "--version", ctx.args.k8s_version])
    folder, _ = resource_corpus(ctx, n_schema)
    out[f"schema/{n_schema}"] = _profile(["schema", str(folder / "stream.yaml"), "--cache-dir",
                                          str(ctx.cache_dir), "--version", ctx.args.k8s_version])
    ctx.results["profile"] = out


def section_whatif(ctx: Context) -> None:
    """The fixes the profiles point at, prototyped in bench/whatif.py, beside today's code."""
    n = max([n for n in ctx.args.sizes if n <= 10000] or ctx.args.sizes[:1])
    folder, _ = resource_corpus(ctx, n)
    log(f"what the recommended fixes would buy, {n:,} resources")
    base = [PYTHON, str(HERE / "whatif.py"), "--cache-dir", str(ctx.cache_dir), "--version",
            ctx.args.k8s_version, "--workers", "2"]
    kg = [PYTHON, str(HERE / "kg_files.py")]
    common = ["--cache-dir", str(ctx.cache_dir), "--version", ctx.args.k8s_version]
    stream, tree = str(folder / "stream.yaml"), str(folder / "tree")
    sides = {
        "schema today": Command(kg + ["schema", stream] + common),
        "schema, parse+validate in 2 worker processes": Command(base + [stream, "--variant", "schema-parallel"]),
        "full today": Command(kg + ["full", tree] + common),
        "full, finding lines not looked up": Command(base + [tree, "--variant", "full-no-lines"]),
        "full, no line lookups + parse in 2 workers": Command(base + [tree, "--variant",
                                                                      "full-parallel-no-lines"]),
    }
    stats = alternate(sides, max(1, min(ctx.repeats(n), 2)), log=log)
    record(ctx, "whatif", str(n), stats, n=n)


# -- main ------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", choices=sorted(PRESETS), default="full",
                   help="preset of corpus sizes (default: full = 1k, 10k, 50k; 100..2000 policies)")
    p.add_argument("--sizes", help="resource counts, comma-separated (overrides --size)")
    p.add_argument("--policies", help="workloads x policies sizes, comma-separated (overrides --size)")
    p.add_argument("--secrets", type=int, help="secrets to decrypt (overrides --size)")
    p.add_argument("--repeats", type=int, default=0, help="repeats per side (default: 3; 2 at 50k)")
    p.add_argument("--only", help=f"sections to run, comma-separated: {','.join(SECTIONS)}")
    p.add_argument("--seed", type=int, default=20240901, help="corpus seed")
    p.add_argument("--k8s-version", default="1.32")
    p.add_argument("--peer-budget", type=float, default=240,
                   help="seconds one peer run may take before it is stopped (default 240)")
    p.add_argument("--checkov-budget", type=float, default=240,
                   help="Checkov runs only at sizes it is predicted to finish within this (default 240 s)")
    p.add_argument("--no-install", action="store_true", help="use the peers already installed; install none")
    p.add_argument("--work", default=str(REPO / ".cache" / "bench"), help="work folder (corpora, outputs)")
    p.add_argument("--out", default=str(HERE / "RESULTS.md"), help="where to write the results table")
    p.add_argument("--render-only", action="store_true",
                   help="measure nothing: write the table again from the work folder's results.json")
    args = p.parse_args(argv)
    preset = PRESETS[args.size]
    args.sizes = [int(x) for x in args.sizes.split(",")] if args.sizes else preset["sizes"]
    args.policies = [int(x) for x in args.policies.split(",")] if args.policies else preset["policies"]
    args.secrets = args.secrets or preset["secrets"]
    args.only = [s.strip() for s in args.only.split(",")] if args.only else list(SECTIONS)
    unknown = set(args.only) - set(SECTIONS)
    if unknown:
        p.error(f"unknown sections: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    import report

    args = parse_args(argv)
    if args.render_only:
        results = json.loads((Path(args.work) / "results.json").read_text())
        Path(args.out).write_text(report.render(results))
        log(f"bench: wrote {args.out} from {Path(args.work) / 'results.json'}")
        return 0
    measure.start_launcher()  # now, while this process is small (see launcher.py)
    work = Path(args.work).resolve()
    (work / "out").mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    log("bench: peers" + (" (no install)" if args.no_install else " (installing what is missing)"))
    found = peers_mod.find(install=not args.no_install)
    for peer in found.all():
        if not peer.ok:
            log(f"bench: {peer.name} {peer.version} is NOT available: {peer.problem}; "
                "the comparisons that need it are skipped")
    ctx = Context(args, work, found)
    ctx.results["machine"] = machine()
    ctx.results["peers"] = {p.name: {"version": p.version, "ok": p.ok, "problem": p.problem,
                                     "notes": p.notes} for p in found.all()}
    ctx.results["versions"] = peers_mod.versions(found)
    ctx.results["settings"] = {"sizes": args.sizes, "policies": args.policies, "secrets": args.secrets,
                               "seed": args.seed, "repeats": args.repeats or (f"{PRESETS[args.size]['repeats']}"
                                                           + (" (2 at 50k)" if args.size == "full" else "")),
                               "peer_budget": args.peer_budget, "checkov_budget": args.checkov_budget,
                               "size": args.size, "only": args.only,
                               "warmup": PRESETS[args.size]["warmup"]}
    prepare_schemas(ctx)
    runners = {"schema": section_schema, "full": section_full, "onefile": section_onefile,
               "repo": section_repo,
               "hook": section_hook, "reach": section_reach, "sops": section_sops,
               "profile": section_profile, "whatif": section_whatif}
    for name in SECTIONS:
        if name not in args.only:
            continue
        try:
            runners[name](ctx)
        except Exception as exc:  # one broken section must not lose the others
            log(f"bench: section {name} failed: {type(exc).__name__}: {exc}")
            ctx.results.setdefault("errors", {})[name] = f"{type(exc).__name__}: {exc}"
            import traceback
            traceback.print_exc()
    ctx.results["machine"]["load_at_end"] = os.getloadavg()
    ctx.results["elapsed_s"] = time.monotonic() - started
    (work / "results.json").write_text(json.dumps(ctx.results, indent=1, default=str))
    text = report.render(ctx.results)
    Path(args.out).write_text(text)
    log(f"bench: wrote {args.out} and {work / 'results.json'} in {ctx.results['elapsed_s']:.0f} s")
    return 1 if ctx.results.get("errors") else 0


if __name__ == "__main__":
    raise SystemExit(main())
