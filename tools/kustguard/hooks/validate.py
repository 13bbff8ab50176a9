"""Hook validate-affected: render and validate only what the commit changes.

The staged files (the hook's arguments, plus files whose deletion is staged,
which pre-commit does not pass) select the affected entry points; each is
rendered through the shared render cache and checked like `kustguard
validate` would, without the repository-wide checks (secret-guard runs those
on the staged files). The first line names the entry points it validates.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from kustguard.findings import Finding
from kustguard.hooks.affected import Impact, affected_entries
from kustguard.hooks.problems import Problem


@dataclass
class Outcome:
    impact: Impact
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Whether a problem reaches the repository's fail-on severity.
    blocking: bool = False


def staged_deletions(repo_root: Path) -> list[str]:
    """Paths whose deletion is staged (empty outside a git work tree)."""
    try:
        proc = subprocess.run(["git", "diff", "--cached", "--name-only", "--diff-filter=D", "-z"],
                              cwd=repo_root, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if proc.returncode != 0:
        return []
    return [p for p in proc.stdout.decode("utf-8", "replace").split("\0") if p]


def finding_problem(finding: Finding) -> Problem:
    subject = " ".join(s for s in (finding.overlay, str(finding.object or "")) if s)
    message = f"{finding.severity} {finding.check_id}"
    message += f" [{subject}]" if subject else ""
    message += f": {finding.message}"
    return Problem(finding.file or finding.overlay or "(rendered)", finding.line, message,
                   finding.hint)


def validate(repo_root: Path, changed: list[str]) -> Outcome:
    impact = affected_entries(repo_root, [*changed, *staged_deletions(repo_root)])
    outcome = Outcome(impact)
    if not impact.affected:
        return outcome
    # Imported here: a commit that affects no entry point never pays for them.
    from kustguard.config import load_config
    from kustguard.pipeline import make_engine, run

    config = load_config(repo_root)
    engine, outcome.warnings = make_engine(repo_root)
    result = run(repo_root, impact.affected, config, engine=engine, repo_checks=False)
    for overlay in result.overlays:
        if overlay.error:
            outcome.problems.append(Problem(overlay.name, 0, f"not rendered: {overlay.error}",
                                            "fix the file it names, then commit again"))
            outcome.blocking = True
        elif overlay.render.status == "remote-unreachable":
            outcome.warnings.append(f"{overlay.name}: not validated: {overlay.render.error}")
    outcome.problems += [finding_problem(f) for f in result.findings]
    outcome.blocking |= any(f.severity >= config.fail_on for f in result.findings)
    return outcome
