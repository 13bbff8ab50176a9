"""kustguard on plain manifest files, as one process: the "ours" side of the
schema and full-validation benchmarks.

    python bench/kg_files.py schema PATH... [--repo-root R] [--cache-dir C]
    python bench/kg_files.py full   PATH... [--repo-root R] [--cache-dir C]

PATH is a file or a folder (every *.yaml / *.yml under it, sorted). The
peers read the same files directly, so this reads them directly too, with
kustguard's own code and no kustomize render in between:

- schema: the strict parse every kustguard reader uses (yamlload, one parse
  per document), then the schema backend `kustguard validate` uses
  (`make_backend`, the in-process jsonschema-rs one), on every object;
- full: the same parse, keeping every field's line (kustguard.positions),
  into Resources that know their source file (so findings carry file and
  line, as in `kustguard validate`), one Index, then
  every check of the registry: the overlay checks (schema included) on the
  Index, the repository checks on the files.

Prints one JSON line: objects, invalid objects and findings per check.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path


def manifest_files(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = []
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames.sort()
                found += [Path(dirpath) / f for f in filenames if f.endswith((".yaml", ".yml"))]
            out += sorted(found)
        else:
            out.append(path)
    return out


def cmd_schema(args: argparse.Namespace) -> dict:
    from kustguard import yamlload
    from kustguard.schema.backends import make_backend

    backend = make_backend("python", Path(args.repo_root), Path(args.cache_dir), args.version, None)
    objects = []
    for path in manifest_files(args.paths):
        objects += [obj for _, _, obj in yamlload.load_file(path)]
    results = backend.validate_all(objects)
    return {"objects": len(objects), "invalid": sum(1 for r in results if r),
            "violations": sum(len(r) for r in results)}


def cmd_full(args: argparse.Namespace) -> dict:
    from kustguard.checks import OverlayContext, RepoContext, run_checks
    from kustguard.config import load_config
    from kustguard.environment import Environment
    from kustguard.index import Index
    from kustguard.pipeline import enabled_checks
    from kustguard.resources import load_source_file
    from kustguard.schema.backends import make_backend
    from kustguard.yamlload import decode

    root = Path(args.root or (args.paths[0] if Path(args.paths[0]).is_dir() else ".")).resolve()
    config = load_config(root)
    resources = []
    files = manifest_files(args.paths)
    for path in files:
        # Each file is its own source: one parse gives the objects and the
        # line of every field.
        rel = os.path.relpath(path.resolve(), root)
        resources += load_source_file(decode(path.read_bytes(), rel), "bench", rel)
    index = Index(resources)
    backend = make_backend("python", Path(args.repo_root), Path(args.cache_dir), args.version, None)
    environment = Environment(name="bench", kubernetes_version=args.version,
                              ingress_classes=["nginx"], storage_classes=["standard"])
    counts: Counter[str] = Counter()
    invalid: set = set()
    suppressed = 0
    ctx = OverlayContext(repo_root=root, overlay="bench", index=index, environment=environment,
                       schema=backend)
    for finding, hidden in run_checks(ctx, enabled_checks(config, "bench"), "overlay"):
        suppressed += hidden
        counts[finding.check_id] += not hidden
        if finding.check_id == "schema" and not hidden:
            invalid.add((finding.object, finding.file))
    repo_ctx = RepoContext(repo_root=root, files=[os.path.relpath(p.resolve(), root) for p in files])
    for finding, hidden in run_checks(repo_ctx, enabled_checks(config, ""), "repo"):
        suppressed += hidden
        counts[finding.check_id] += not hidden
    return {"objects": len(resources), "findings": sum(counts.values()),
            "invalid": len(invalid), "suppressed": suppressed,
            "by_check": dict(sorted(counts.items()))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["schema", "full"])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--repo-root", default=str(Path(__file__).resolve().parents[1]),
                        help="where schemas/ (CRD schemas) lives")
    parser.add_argument("--cache-dir", default=os.environ.get("KUSTGUARD_CACHE_DIR", ".cache/kustguard"),
                        help="kustguard's cache (the relative-ref copy of the core schemas)")
    parser.add_argument("--root", help="folder the findings' file names are relative to")
    parser.add_argument("--version", default="1.32", help="Kubernetes version of the schemas")
    args = parser.parse_args(argv)
    result = cmd_schema(args) if args.mode == "schema" else cmd_full(args)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
