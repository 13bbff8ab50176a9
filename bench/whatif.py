"""What the fixes the profiles suggest would buy, measured without changing kustguard.

    python bench/whatif.py TREE_OR_STREAM [--cache-dir C] [--workers 2]

Each variant runs kustguard's own functions, arranged differently, in a fresh
process, and prints its wall time next to the way kustguard does it today:

- schema today: one process parses every file (yamlload) then validates;
- schema, N workers: the files (or the stream's documents) split into N
  chunks, each parsed and validated in its own process, only the counts
  coming back (kubeconform's -n 2, in Python);
- parse only: the strict parse alone, and PyYAML's plain CSafeLoader, to
  show how much of the time is YAML;
- full today: `kg_files.py full`;
- full, no line lookup: the same with Resource.location answering line 0,
  i.e. the cost of finding lines;
- full, N parse workers: the parse in N processes, the objects pickled back,
  the checks in the parent.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _chunks(target: Path, workers: int) -> list[list[tuple[str, str]]]:
    """(name, text) pieces, about equal in size, for the workers."""
    import kg_files

    if target.is_dir():
        pieces = [(str(p), p.read_text(encoding="utf-8")) for p in kg_files.manifest_files([str(target)])]
    else:
        docs = target.read_text(encoding="utf-8").split("\n---\n")
        pieces = [(f"{target}#{i}", d) for i, d in enumerate(docs)]
    out: list[list[tuple[str, str]]] = [[] for _ in range(workers)]
    sizes = [0] * workers
    for piece in pieces:
        i = sizes.index(min(sizes))
        out[i].append(piece)
        sizes[i] += len(piece[1])
    return out


def _schema_worker(args: tuple[list[tuple[str, str]], str, str, str]) -> tuple[int, int]:
    from kustguard import yamlload
    from kustguard.schema.backends import make_backend

    pieces, repo_root, cache_dir, version = args
    backend = make_backend("python", Path(repo_root), Path(cache_dir), version, None)
    objs = [o for name, text in pieces for _, _, o in yamlload.load_all(text, name)]
    results = backend.validate_all(objs)
    return len(objs), sum(1 for r in results if r)


def _parse_worker(pieces: list[tuple[str, str]]) -> bytes:
    from kustguard import yamlload

    return pickle.dumps([(name, [o for _, _, o in yamlload.load_all(text, name)]) for name, text in pieces],
                        protocol=pickle.HIGHEST_PROTOCOL)


def variant(name: str, args: argparse.Namespace) -> dict:
    target = Path(args.target)
    repo_root = str(HERE.parent)
    start = time.perf_counter()
    if name == "schema-parallel":
        chunks = _chunks(target, args.workers)
        with ProcessPoolExecutor(args.workers) as pool:
            counts = list(pool.map(_schema_worker, [(c, repo_root, args.cache_dir, args.version)
                                                    for c in chunks]))
        out = {"objects": sum(c[0] for c in counts), "invalid": sum(c[1] for c in counts)}
    elif name == "parse-strict":
        from kustguard import yamlload
        files = [target] if target.is_file() else None
        import kg_files
        out = {"objects": sum(len(yamlload.load_file(p)) for p in (files or kg_files.manifest_files([str(target)])))}
    elif name == "parse-plain-csafeloader":
        import yaml

        import kg_files
        files = [target] if target.is_file() else kg_files.manifest_files([str(target)])
        out = {"objects": sum(len([d for d in yaml.load_all(p.read_text(), Loader=yaml.CSafeLoader) if d])
                              for p in files)}
    elif name == "parse-memo-resolver":
        import functools

        import yaml.nodes

        import kg_files
        from kustguard import yamlload

        # The resolver answers the same (value, implicit) questions over and over.
        original = yamlload.StrictLoader.resolve
        probe = yamlload.StrictLoader("")

        @functools.lru_cache(maxsize=65536)
        def resolve_scalar(value: str, implicit: tuple) -> str:
            return original(probe, yaml.nodes.ScalarNode, value, implicit)

        def cached(self, kind, value, implicit):
            if kind is yaml.nodes.ScalarNode and isinstance(value, str):
                return resolve_scalar(value, tuple(implicit) if implicit is not None else None)
            return original(self, kind, value, implicit)

        yamlload.StrictLoader.resolve = cached  # type: ignore[method-assign]
        files = [target] if target.is_file() else kg_files.manifest_files([str(target)])
        out = {"objects": sum(len(yamlload.load_file(p)) for p in files)}
    elif name in ("full-no-lines", "full-parallel-parse", "full-parallel-no-lines"):
        import kg_files
        from kustguard import resources

        if name == "full-parallel-no-lines":
            resources.Resource.location = lambda self, path=(): (self.source, 0)  # type: ignore[method-assign]
            out = _full_parallel(target, args)
        elif name == "full-no-lines":
            resources.Resource.location = lambda self, path=(): (self.source, 0)  # type: ignore[method-assign]
            kg_files.main(["full", str(target), "--cache-dir", args.cache_dir, "--version", args.version])
            out = {}
        else:
            out = _full_parallel(target, args)
    else:
        raise SystemExit(f"unknown variant {name}")
    out["wall"] = time.perf_counter() - start
    return out


def _full_parallel(target: Path, args: argparse.Namespace) -> dict:
    """Parse in worker processes, then run every check in this one."""
    from kustguard.checks import OverlayContext, run_checks
    from kustguard.config import load_config
    from kustguard.environment import Environment
    from kustguard.index import Index
    from kustguard.pipeline import enabled_checks
    from kustguard.resources import Resource, SourceMaps, _take_origin
    from kustguard.schema.backends import make_backend

    root = target.resolve()
    chunks = _chunks(target, args.workers)
    with ProcessPoolExecutor(args.workers) as pool:
        parsed = [item for blob in pool.map(_parse_worker, chunks) for item in pickle.loads(blob)]
    sources = SourceMaps(root)
    resources = []
    for name, objs in sorted(parsed):
        rel = os.path.relpath(name, root)
        for i, obj in enumerate(objs):
            _take_origin(obj, None, None)
            resources.append(Resource(obj, "bench", i, rel, False, sources))
    index = Index(resources)
    backend = make_backend("python", HERE.parent, Path(args.cache_dir), args.version, None)
    ctx = OverlayContext(repo_root=root, overlay="bench", index=index, schema=backend,
                       environment=Environment("bench", args.version, ["standard"], ["nginx"]))
    findings = sum(1 for _ in run_checks(ctx, enabled_checks(load_config(root), "bench"), "overlay"))
    return {"objects": len(resources), "findings": findings}


def timed_subprocess(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv} failed: {proc.stderr.read().decode()[-500:]}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("target")
    p.add_argument("--cache-dir", default=str(HERE.parent / ".cache" / "bench" / "kustguard-cache"))
    p.add_argument("--version", default="1.32")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--variant", help="run one variant in this process and print JSON (internal)")
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args()
    if args.variant:
        print(json.dumps(variant(args.variant, args)))
        return 0
    me = [sys.executable, __file__, args.target, "--cache-dir", args.cache_dir, "--version", args.version,
          "--workers", str(args.workers)]
    today_schema = [sys.executable, str(HERE / "kg_files.py"), "schema", args.target, "--cache-dir",
                    args.cache_dir, "--version", args.version]
    today_full = [sys.executable, str(HERE / "kg_files.py"), "full", args.target, "--cache-dir",
                  args.cache_dir, "--version", args.version]
    rows = [("schema today (kg_files.py schema)", today_schema),
            (f"schema, {args.workers} workers", me + ["--variant", "schema-parallel"]),
            ("parse only, kustguard strict loader", me + ["--variant", "parse-strict"]),
            ("parse only, plain CSafeLoader", me + ["--variant", "parse-plain-csafeloader"]),
            ("parse only, strict + memoised resolver", me + ["--variant", "parse-memo-resolver"])]
    if Path(args.target).is_dir():
        rows += [("full today (kg_files.py full)", today_full),
                 ("full, finding lines not looked up", me + ["--variant", "full-no-lines"]),
                 (f"full, parse in {args.workers} workers", me + ["--variant", "full-parallel-parse"]),
                 (f"full, both (no lines, {args.workers} parse workers)", me + ["--variant", "full-parallel-no-lines"])]
    for label, argv in rows:
        runs = [timed_subprocess(argv) for _ in range(args.repeats)]
        times = sorted(t for t, _ in runs)
        print(f"{label:<42} {times[len(times) // 2]:7.2f} s  {max(r for _, r in runs):6.0f} MB  "
              f"(runs: {', '.join(f'{t:.2f}' for t in times)})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
