"""Every finding of the full check run on a folder of manifest files, as
plain tuples: shared by the before/after identity test and the script that
recorded the expected findings with the code before the change.

    python tests/validator/findings_sample.py OUT.json   # records the sample
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SAMPLE_SIZE = 400
SAMPLE_SEED = 20240901


def write_sample(folder: Path) -> Path:
    """A bench corpus of SAMPLE_SIZE objects (bench/corpus.py, seeded)."""
    sys.path.insert(0, str(REPO / "bench"))
    import corpus

    corpus.write(corpus.resources(SAMPLE_SIZE, SAMPLE_SEED), folder)
    return folder / "tree"


def findings_of(tree: Path, cache_dir: Path) -> list[list]:
    """The findings of every overlay check on the files under `tree`, each
    object pointing at its file, as kustguard's own tests and bench do."""
    from kustguard.checks import OverlayContext, run_checks
    from kustguard.config import load_config
    from kustguard.environment import Environment
    from kustguard.index import Index
    from kustguard.pipeline import enabled_checks
    from kustguard.resources import SourceMaps, parse_stream
    from kustguard.schema.backends import make_backend

    root = tree.resolve()
    sources = SourceMaps(root)
    resources = []
    for dirpath, dirnames, filenames in sorted(os.walk(root)):
        dirnames.sort()
        for name in sorted(f for f in filenames if f.endswith(".yaml")):
            rel = os.path.relpath(os.path.join(dirpath, name), root)
            for res in parse_stream((root / rel).read_text(encoding="utf-8"), "sample", rel):
                res.source, res.sources = rel, sources
                resources.append(res)
    backend = make_backend("python", REPO, cache_dir, "1.32", None)
    ctx = OverlayContext(repo_root=root, overlay="sample", index=Index(resources), schema=backend,
                       environment=Environment(name="sample", kubernetes_version="1.32",
                                               ingress_classes=["nginx"], storage_classes=["standard"]))
    out = []
    for finding, hidden in run_checks(ctx, enabled_checks(load_config(root), "sample"), "overlay"):
        out.append([finding.check_id, str(finding.object or ""), finding.file, finding.line,
                    finding.field, finding.message, hidden])
    return sorted(out)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        tree = write_sample(Path(tmp) / "sample")
        found = findings_of(tree, Path(tmp) / "cache")
    Path(sys.argv[1]).write_text(json.dumps(found, indent=0) + "\n")
    print(f"{len(found)} findings")
