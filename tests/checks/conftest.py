"""Shared fixtures for check tests: run one check on manifests given as YAML."""
from __future__ import annotations

from pathlib import Path

import pytest

from kustguard.checks import OverlayContext, RepoContext, check_by_id, run_checks
from kustguard.environment import Environment
from kustguard.findings import Finding
from kustguard.index import Index
from kustguard.resources import SourceMaps, parse_stream


@pytest.fixture
def run_check(tmp_path: Path):
    """run_check(check_id, manifests_yaml, **environment) -> findings (unsuppressed).

    The manifests are written to tmp_path/manifests.yaml, and every object
    points back to it, so findings carry real file:line locations.
    """

    def run(check_id: str, manifests: str, *, files: dict[str, str] | None = None,
            include_suppressed: bool = False, **env) -> list[Finding]:
        info = check_by_id(check_id)
        assert info is not None, f"no check {check_id!r}"
        source = tmp_path / "manifests.yaml"
        source.write_text(manifests)
        for rel, text in (files or {}).items():
            target = tmp_path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        sources = SourceMaps(tmp_path)
        resources = parse_stream(manifests, "test", str(source), sources=sources)
        for res in resources:
            res.source = "manifests.yaml"
        environment = Environment(name="test", kubernetes_version=env.pop("kubernetes_version", "1.32"),
                                  **env)
        files_ = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
        if info.scope == "repo":
            ctx = RepoContext(repo_root=tmp_path, overlay="test", files=files_)
        else:
            ctx = OverlayContext(repo_root=tmp_path, overlay="test", index=Index(resources),
                                 environment=environment, files=files_)
        out = []
        for finding, suppressed in run_checks(ctx, [(info, info.severity)], info.scope):
            if include_suppressed or not suppressed:
                out.append(finding)
        return out

    return run
