"""Fuzz: every check on thousands of malformed objects, and not one crash.

Every object the repository's overlays render is mutated at its fields
(tests/validator/fuzz.py: each JSON type, dropped keys, mappings wrapped in
lists, lists unwrapped). Each round puts one mutant of every object of an
overlay into one index, keeping the overlay's shape (cross-object checks see
their peers), and runs every check of the registry on it, schema included,
with source lines looked up. A check that fails becomes an `internal-error`
finding; the test allows none. Seeded: the same objects on every run.
"""
from __future__ import annotations

import os
import random
import time
from collections import defaultdict

from kustguard.checks import OverlayContext, run_checks
from kustguard.config import load_config
from kustguard.discover import entries_from_args
from kustguard.findings import INTERNAL_ERROR
from kustguard.index import Index
from kustguard.pipeline import cache_dir, enabled_checks, load_overlays, make_engine
from kustguard.resources import Resource
from kustguard.schema.backends import make_backend

from fuzz import mutants

SEED = int(os.environ.get("KUSTGUARD_FUZZ_SEED", "17"))
# Mutants per rendered object: one round of checks per mutant.
ROUNDS = int(os.environ.get("KUSTGUARD_FUZZ_ROUNDS", "24"))


def test_no_check_crashes_on_malformed_objects(repo_root, record_property):
    config = load_config(repo_root)
    engine, _ = make_engine(repo_root)
    entries = [e for e in entries_from_args(repo_root, []) if e.name.startswith("overlays/")]
    overlays = [o for o in load_overlays(repo_root, entries, config, engine=engine) if o.index]
    assert len(overlays) >= 5, [o.error for o in overlays]
    rng = random.Random(SEED)
    started = time.monotonic()
    generated = 0
    crashes: dict[str, list[str]] = defaultdict(list)
    for overlay in overlays:
        backend = make_backend("python", repo_root, cache_dir(repo_root),
                               overlay.environment.kubernetes_version, None)
        checks = enabled_checks(config, overlay.name)
        per_object = [mutants(r.obj, rng, ROUNDS) for r in overlay.resources]
        for round_no in range(ROUNDS):
            batch, what = [], {}
            for res, options in zip(overlay.resources, per_object):
                if round_no >= len(options):
                    continue
                description, obj = options[round_no]
                mutant = Resource(obj, res.overlay, res.doc_index, res.source, res.generated,
                                  res.sources, res.transformations, res.origin_base)
                batch.append(mutant)
                what[id(mutant)] = description
            generated += len(batch)
            index = Index(batch)
            ctx = OverlayContext(repo_root=repo_root, overlay=overlay.name, index=index,
                               environment=overlay.environment, schema=backend)
            for finding, _ in run_checks(ctx, checks, "overlay"):
                finding.file and finding.line  # every finding's location was computed
                if finding.check_id == INTERNAL_ERROR:
                    culprit = next((r for r in batch if finding.object and r.ref.name == finding.object.name
                                    and r.kind == finding.object.kind), None)
                    crashes[finding.message].append(
                        f"{overlay.name} {finding.object}: {what.get(id(culprit), '?')}")
    elapsed = time.monotonic() - started
    record_property("fuzz", f"fuzz: {generated:,} generated objects, {len(crashes)} distinct crashes, "
                            f"{elapsed:.1f}s (seed {SEED}, {ROUNDS} rounds)")
    assert generated > 5000
    assert not crashes, "\n".join(f"{message}\n  e.g. {cases[0]} ({len(cases)} objects)"
                                  for message, cases in crashes.items())
