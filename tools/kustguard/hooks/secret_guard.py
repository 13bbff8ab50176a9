"""Hook secret-guard: no plaintext Secret, no private key, no half-encrypted SOPS file.

Runs the validator's own repository-scope checks of the secrets family
(kustguard.checks: plaintext Secret manifests, private keys, SOPS files
well-formed and encrypted) on the staged files only, with the repository's
settings (disabled checks, severities, excluded files, allow-listed demo keys).
"""
from __future__ import annotations

from pathlib import Path

from kustguard.hooks.problems import Problem

FAMILY = "secrets"
SCOPE = "repo"


def guard_checks(config) -> list:
    """(CheckInfo, severity) of every enabled repo-scope secrets check."""
    from kustguard.pipeline import enabled_checks

    return [(info, severity) for info, severity in enabled_checks(config, "")
            if info.scope == SCOPE and info.family == FAMILY]


def check_files(repo_root: Path, files: list[str]) -> tuple[list[Problem], list[str], bool]:
    """(problems, ids of the checks run, whether a problem reaches fail-on)."""
    from kustguard.checks import RepoContext, run_checks
    from kustguard.config import load_config
    from kustguard.hooks.validate import finding_problem

    from kustguard.runoptions import excluded_files

    from kustguard.checks import all_checks
    from kustguard.config import check_known_ids

    config = load_config(repo_root)
    check_known_ids(config, [c.id for c in all_checks()])
    checks = guard_checks(config)
    ctx = RepoContext(repo_root=repo_root, files=excluded_files(sorted(set(files)), config.exclude),
                      config=config)
    problems, blocking = [], False
    for finding, hidden in run_checks(ctx, checks, SCOPE):
        if hidden:
            continue
        problems.append(finding_problem(finding))
        blocking = blocking or finding.severity >= config.fail_on
    return problems, [info.id for info, _ in checks], blocking
