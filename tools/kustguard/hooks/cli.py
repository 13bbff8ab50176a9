"""`kustguard hooks <hook> FILE...`: the pre-commit entry points.

Registered in the main CLI through FEATURE_CLIS (register), which both hook
configurations call; also runnable on its own as `python -m kustguard.hooks
<hook> FILE...` (main). FILE paths are relative to the current folder, which
pre-commit sets to the repository root.
"""
from __future__ import annotations

from pathlib import Path

from kustguard.errors import EXIT_CLEAN, EXIT_FINDINGS, InputError

HOOKS = (
    ("yaml-syntax", "strict YAML: every document parses, no duplicate keys, UTF-8"),
    ("secret-guard", "no plaintext Secret, no private key, SOPS files well-formed and encrypted"),
    ("kustomization-lint", "deprecated kustomization fields (with the fix), unpinned remote bases"),
    ("validate-affected", "render and validate only the entry points the files affect"),
    ("affected", "print the entry points the files affect, without validating"),
)


def _print_problems(problems) -> None:
    for problem in problems:
        print(problem)


def _repo_root() -> Path:
    from kustguard.config import find_repo_root

    return find_repo_root(Path.cwd())


def cmd_yaml_syntax(args) -> int:
    from kustguard.hooks import syntax

    problems = syntax.check_files(args.files, Path.cwd())
    _print_problems(problems)
    return EXIT_FINDINGS if problems else EXIT_CLEAN


def cmd_kustomization_lint(args) -> int:
    from kustguard.hooks import kustomization_lint

    problems = kustomization_lint.check_files(args.files, Path.cwd())
    _print_problems(problems)
    return EXIT_FINDINGS if problems else EXIT_CLEAN


def cmd_secret_guard(args) -> int:
    from kustguard.hooks import secret_guard

    repo_root = _repo_root()
    files = [_repo_relative(f, repo_root) for f in args.files]
    problems, ran, blocking = secret_guard.check_files(repo_root, [f for f in files if f])
    if not ran:
        raise InputError("no secrets checks are registered",
                         hint="reinstall kustguard; `kustguard checks` lists them")
    _print_problems(problems)
    return EXIT_FINDINGS if blocking else EXIT_CLEAN


def cmd_validate_affected(args) -> int:
    from kustguard.hooks import validate

    repo_root = _repo_root()
    files = [f for f in (_repo_relative(f, repo_root) for f in args.files) if f]
    outcome = validate.validate(repo_root, files)
    print(outcome.impact.summary())
    for warning in outcome.warnings:
        print(f"warning: {warning}")
    _print_problems(outcome.problems)
    return EXIT_FINDINGS if outcome.blocking else EXIT_CLEAN


def cmd_affected(args) -> int:
    from kustguard.hooks.affected import affected_entries

    repo_root = _repo_root()
    files = [f for f in (_repo_relative(f, repo_root) for f in args.files) if f]
    impact = affected_entries(repo_root, files)
    print(impact.summary(verb="found"))
    for entry in impact.affected:
        print(f"  {entry.name}: {impact.why[entry.name]}")
    return EXIT_CLEAN


def _repo_relative(raw: str, repo_root: Path) -> str:
    path = (Path.cwd() / raw).absolute()
    try:
        return path.relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        try:
            return path.resolve().relative_to(repo_root.resolve()).as_posix()
        except ValueError:
            return ""


HANDLERS = {
    "yaml-syntax": cmd_yaml_syntax,
    "secret-guard": cmd_secret_guard,
    "kustomization-lint": cmd_kustomization_lint,
    "validate-affected": cmd_validate_affected,
    "affected": cmd_affected,
}


def add_commands(subparsers) -> None:
    for name, summary in HOOKS:
        parser = subparsers.add_parser(name, help=summary, description=summary)
        parser.add_argument("files", nargs="*", help="changed files (pre-commit passes them)")
        parser.set_defaults(handler=HANDLERS[name])


def register(subparsers) -> None:
    hooks = subparsers.add_parser("hooks", help="pre-commit hooks (run on the staged files)",
                                  description=__doc__.splitlines()[0])
    add_commands(hooks.add_subparsers(dest="hook", required=True))
