"""Validate an edit before it is written: render and check the affected entry
points with and without it, and report the findings the edit would add.

Findings the repository already has are not the edit's fault and do not
block it. Findings are matched by check, overlay, object and field (the
message too when there is no field), counted: a finding is new when the
edit raises the count of its kind. Messages are not compared when a field
is known, since they often quote the image being changed. Only new findings
at or above the repository's `fail-on` severity refuse the edit.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kustguard.config import load_config
from kustguard.discover import Entry
from kustguard.edit.sandbox import Sandbox, affected_targets, renderer_for
from kustguard.errors import InputError
from kustguard.findings import Finding, Severity
from kustguard.pipeline import RunResult, make_engine, run
from kustguard.render import RenderEngine


def _key(finding: Finding) -> tuple:
    return (finding.check_id, finding.overlay, str(finding.object or ""), finding.field,
            "" if finding.field else finding.message)


def added(before: list[Finding], after: list[Finding]) -> list[Finding]:
    """The findings of `after` that `before` does not account for."""
    budget = Counter(_key(f) for f in before)
    out = []
    for finding in after:
        key = _key(finding)
        if budget[key] > 0:
            budget[key] -= 1
        else:
            out.append(finding)
    return out


@dataclass
class Verdict:
    targets: list[Entry]
    new_findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.new_findings


def _render_failures(result: RunResult) -> dict[str, str]:
    return {o.name: o.error for o in result.overlays if o.error}


def validate(repo_root: Path, new_content: dict[Path, bytes]) -> Verdict:
    """Findings that writing `new_content` (path -> bytes) would add."""
    repo_root = repo_root.resolve()
    targets, warnings = affected_targets(repo_root, list(new_content))
    verdict = Verdict(targets, warnings=warnings)
    if not targets:
        return verdict
    config = load_config(repo_root)
    engine, engine_warnings = make_engine(repo_root)
    verdict.warnings += engine_warnings
    before = run(repo_root, targets, config, engine=engine, repo_checks=False)
    broken = _render_failures(before)
    if broken:
        name, error = next(iter(broken.items()))
        raise InputError(f"does not render before the edit: {error}", name,
                         hint="fix it first ('kustguard validate' shows the problem)")
    with Sandbox(repo_root, targets) as sandbox:
        for path, data in new_content.items():
            sandbox.write(path.resolve().relative_to(repo_root).as_posix(), data)
        sandbox_engine = RenderEngine(sandbox.root, renderer_for(repo_root), sandbox.scratch,
                                      use_cache=False)
        after = run(sandbox.root, sandbox.entries(), config, engine=sandbox_engine,
                    repo_checks=False)
    for name, error in _render_failures(after).items():
        verdict.new_findings.append(Finding("render", Severity.ERROR,
                                            f"does not render after the edit: {error}",
                                            overlay=name))
    verdict.new_findings += [f for f in added(before.findings, after.findings)
                             if f.severity >= config.fail_on]
    return verdict


def describe(finding: Finding) -> str:
    parts = [f"{finding.overlay}:" if finding.overlay else "", str(finding.severity),
             finding.check_id]
    if finding.object:
        parts.append(str(finding.object))
    if finding.location:
        parts.append(finding.location)
    line = " ".join(p for p in parts if p) + f": {finding.message}"
    return line + (f" (fix: {finding.hint})" if finding.hint else "")
