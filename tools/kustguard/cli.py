"""The `kustguard` command: argument parsing and output selection only."""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

from kustguard import __version__
from kustguard.errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, InputError

# Commands contributed by feature packages (each module has register(subparsers)),
# by the command names they add. A run imports only the module of the command
# it runs: the Argo CD client's or the plugin's imports cost a validate nothing.
FEATURE_CLIS = {
    "sops": "kustguard.sops.cli",
    "argocd": "kustguard.argocd.cli",
    "explain": "kustguard.netpol.cli",
    "hooks": "kustguard.hooks.cli",
    "promote": "kustguard.edit.cli",
    "fix": "kustguard.edit.cli",
}
TEXT_FORMATS = ("text", "json")
# Listed here so parsing arguments imports no formatter; a test keeps this in
# step with report.FORMATS.
REPORT_FORMATS = TEXT_FORMATS + ("sarif", "junit", "github")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, as for any bad input
        raise InputError(f"{self.prog}: {message}", hint=f"see '{self.prog} --help'")


def _feature_modules(argv: list[str] | None) -> list[str]:
    """The feature modules this command line needs: its command's, or all
    of them when there is no command yet (help, errors)."""
    words = [a for a in (argv if argv is not None else sys.argv[1:]) if not a.startswith("-")]
    if words and words[0] in FEATURE_CLIS:
        return [FEATURE_CLIS[words[0]]]
    if words and words[0] in CORE_COMMANDS:
        return []
    return list(dict.fromkeys(FEATURE_CLIS.values()))


CORE_COMMANDS = ("validate", "render", "schemas", "checks")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = _Parser(prog="kustguard", description=__doc__)
    parser.add_argument("--version", action="version", version=f"kustguard {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    v = sub.add_parser("validate", help="render every overlay and run every check")
    v.add_argument("paths", nargs="*", help="entry-point folders (default: overlays/* and argocd/*)")
    v.add_argument("--format", default="text", choices=REPORT_FORMATS)
    v.add_argument("--fail-on", choices=["info", "warning", "error"],
                   help="lowest severity that fails the run (default: from settings)")
    v.add_argument("--schema-backend", choices=["python", "kubeconform"])
    v.add_argument("--check", action="append", metavar="ID", help="run only these checks")
    v.add_argument("--no-cache", action="store_true", help="render even if nothing changed")
    v.set_defaults(handler=cmd_validate)

    r = sub.add_parser("render", help="print an entry point's rendered objects (secrets shape-only)")
    r.add_argument("path")
    r.set_defaults(handler=cmd_render)

    s = sub.add_parser("schemas", help="manage the committed CRD schemas")
    ssub = s.add_subparsers(dest="schemas_command", required=True, parser_class=_Parser)
    imp = ssub.add_parser("import", help="generate JSON schemas from CRD YAML files")
    imp.add_argument("crds", nargs="+", help="CRD YAML files")
    imp.add_argument("--origin", required=True, help="where the files come from, e.g. argo-cd v3.2.12")
    imp.add_argument("--out", default="schemas", help="output folder (default: schemas)")
    imp.set_defaults(handler=cmd_schemas_import)

    c = sub.add_parser("checks", help="list every check with its id, severity and summary")
    c.set_defaults(handler=cmd_checks)

    for module_name in _feature_modules(argv):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(sub)
    return parser


def _progress_printer():
    """Prints render progress on a terminal once rendering passes a second."""
    if not sys.stderr.isatty():
        return None, lambda: None
    start = time.monotonic()
    shown = [False]

    def progress(done: int, total: int) -> None:
        if time.monotonic() - start > 1.0:
            shown[0] = True
            sys.stderr.write(f"\rrendering: {done}/{total} entry points")
            sys.stderr.flush()

    def finish() -> None:
        if shown[0]:
            sys.stderr.write("\r\033[K")

    return progress, finish


def cmd_validate(args) -> int:
    from kustguard.config import find_repo_root, load_config
    from kustguard.discover import entries_from_args
    from kustguard.findings import INTERNAL_ERROR, Severity
    from kustguard.pipeline import make_engine, run

    started = time.monotonic()
    repo_root = find_repo_root(Path.cwd())
    config = load_config(repo_root)
    entries = entries_from_args(repo_root, args.paths)
    engine, warnings = make_engine(repo_root, use_cache=not args.no_cache)
    progress, finish = _progress_printer()
    try:
        result = run(repo_root, entries, config, engine=engine, backend_name=args.schema_backend,
                     only=set(args.check) if args.check else None,
                     repo_checks=not args.paths, progress=progress)
    finally:
        finish()
    result.warnings += warnings
    elapsed = time.monotonic() - started
    if args.format == "text":
        from kustguard.report import text

        output = text.render(result, colour=text.use_colour(), elapsed=elapsed)
    elif args.format == "json":
        from kustguard.report import json as json_report

        output = json_report.render(result, elapsed=elapsed)
    else:
        from kustguard.report import FORMATS

        output = FORMATS[args.format].render(result.findings, checks=result.checks,
                                             overlays=[o.name for o in result.overlays])
    sys.stdout.write(output)
    if result.input_errors:
        for error in result.input_errors:
            print(f"kustguard: {error}", file=sys.stderr)
        return EXIT_USAGE
    failed = sum(1 for f in result.findings if f.check_id == INTERNAL_ERROR)
    if failed:
        print(f"kustguard: {failed} internal-error finding(s): a check failed on an object; "
              "everything else was checked (report it)", file=sys.stderr)
        return EXIT_USAGE
    threshold = Severity.parse(args.fail_on) if args.fail_on else config.fail_on
    return EXIT_FINDINGS if any(f.severity >= threshold for f in result.findings) else EXIT_CLEAN


def cmd_render(args) -> int:
    from kustguard.config import find_repo_root
    from kustguard.discover import entries_from_args
    from kustguard.pipeline import make_engine
    from kustguard.resources import parse_stream

    import yaml

    repo_root = find_repo_root(Path.cwd())
    entry = entries_from_args(repo_root, [args.path])[0]
    engine, warnings = make_engine(repo_root)
    for warning in warnings:
        print(f"kustguard: warning: {warning}", file=sys.stderr)
    result = engine.render(entry)
    if result.status != "ok":
        raise InputError(f"not rendered: {result.error}", entry.name)
    objects = [r.obj for r in parse_stream(result.text, entry.name, entry.name)]
    sys.stdout.write(yaml.safe_dump_all(objects, sort_keys=False))
    return EXIT_CLEAN


def cmd_schemas_import(args) -> int:
    from kustguard.schema.crds import import_crds

    files = [Path(p) for p in args.crds]
    for path in files:
        if not path.is_file():
            raise InputError("no such CRD file", path)
    written = import_crds(files, Path(args.out), args.origin)
    print(f"wrote {len(written)} schemas under {args.out}")
    return EXIT_CLEAN


def cmd_checks(args) -> int:
    from kustguard.checks import all_checks

    for info in all_checks():
        print(f"{info.id:28} {str(info.severity):8} {info.family:10} {info.summary}")
    return EXIT_CLEAN


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser(argv).parse_args(argv)
        return int(args.handler(args))
    except InputError as exc:
        print(f"kustguard: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_CLEAN
    except Exception as exc:  # never a traceback for a user; KUSTGUARD_DEBUG shows it
        if os.environ.get("KUSTGUARD_DEBUG"):
            raise
        print(f"kustguard: internal error: {type(exc).__name__}: {exc} "
              "(set KUSTGUARD_DEBUG=1 for details and report it)", file=sys.stderr)
        return EXIT_USAGE
