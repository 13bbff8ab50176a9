"""findings_sample.findings_of, but reading each file with
resources.load_source_file (lines kept from the one parse), as bench/kg_files.py does."""
from __future__ import annotations

import os
from pathlib import Path

from findings_sample import REPO


def findings(tree: Path, cache_dir: Path) -> list[list]:
    from kustguard.checks import OverlayContext, run_checks
    from kustguard.config import load_config
    from kustguard.environment import Environment
    from kustguard.index import Index
    from kustguard.pipeline import enabled_checks
    from kustguard.resources import load_source_file
    from kustguard.schema.backends import make_backend

    root = tree.resolve()
    resources = []
    for dirpath, dirnames, filenames in sorted(os.walk(root)):
        dirnames.sort()
        for name in sorted(f for f in filenames if f.endswith(".yaml")):
            rel = os.path.relpath(os.path.join(dirpath, name), root)
            resources += load_source_file((root / rel).read_text(encoding="utf-8"), "sample", rel)
    backend = make_backend("python", REPO, cache_dir, "1.32", None)
    ctx = OverlayContext(repo_root=root, overlay="sample", index=Index(resources), schema=backend,
                       environment=Environment(name="sample", kubernetes_version="1.32",
                                               ingress_classes=["nginx"], storage_classes=["standard"]))
    return sorted([f.check_id, str(f.object or ""), f.file, f.line, f.field, f.message, hidden]
                  for f, hidden in run_checks(ctx, enabled_checks(load_config(root), "sample"), "overlay"))
