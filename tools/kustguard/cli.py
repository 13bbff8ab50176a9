"""The `kustguard` command: argument parsing and output selection only."""
from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import time
from pathlib import Path

from kustguard import __version__
from kustguard.errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, InputError

DESCRIPTION = "Render, decrypt and validate a Kustomize GitOps repository, and drive Argo CD."
EPILOG = """\
examples:
  kustguard validate                      every entry point (settings: entry-points)
  kustguard validate overlays/k3d k8s     kustomizations, Components, folders or files
  kustomize build overlays/k3d | kustguard validate -
  kustguard validate --format sarif -o kustguard.sarif
  kustguard checks secret-rendered        one check's documentation and examples
  kustguard tools install                 the pinned kustomize and kubeconform

exit codes:
  0  no finding at or above --fail-on
  1  findings
  2  bad input or usage (one line naming the file, the line and what to do)
"""

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
    "guard": "kustguard.buildguard",
}
TEXT_FORMATS = ("text", "json")
# Listed here so parsing arguments imports no formatter; a test keeps this in
# step with report.FORMATS.
REPORT_FORMATS = TEXT_FORMATS + ("sarif", "junit", "github")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, as for any bad input
        where = self.prog.removeprefix("kustguard").strip()
        bad = re.match(r"argument (\S+): invalid choice: '([^']*)' \(choose from (.*)\)$", message)
        if bad:
            from kustguard.config import unknown

            choices = re.findall(r"'([^']*)'", bad.group(3))
            what = bad.group(1).strip("-") if bad.group(1).startswith("-") else "command"
            message = unknown(what, bad.group(2), choices)
        raise InputError(f"{where}: {message}" if where else message,
                         hint=f"see '{self.prog} --help'")


def _feature_modules(argv: list[str] | None) -> list[str]:
    """The feature modules this command line needs: its command's, or all
    of them when there is no command yet (help, errors)."""
    words = [a for a in (argv if argv is not None else sys.argv[1:]) if not a.startswith("-")]
    if words and words[0] in FEATURE_CLIS:
        return [FEATURE_CLIS[words[0]]]
    if words and words[0] in CORE_COMMANDS:
        return []
    return list(dict.fromkeys(FEATURE_CLIS.values()))


CORE_COMMANDS = ("validate", "render", "schemas", "checks", "tools")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = _Parser(prog="kustguard", description=DESCRIPTION, epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"kustguard {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    v = sub.add_parser("validate", help="render every entry point and run every check",
                       description="Render and check entry points; without PATH, the ones the "
                                   "entry-points setting matches.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("paths", nargs="*", metavar="PATH|-",
                   help="a kustomization or Component folder, a folder of YAML/JSON manifests, "
                        "a manifest file, or - for a rendered stream on stdin")
    v.add_argument("--format", default="text", choices=REPORT_FORMATS)
    v.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE, not stdout")
    v.add_argument("--fail-on", metavar="SEVERITY",
                   help="lowest severity that fails the run: info, warning or error "
                        "(default: from settings)")
    v.add_argument("--schema-backend", metavar="NAME", help="python or kubeconform")
    v.add_argument("--check", action="append", metavar="ID", help="run only these checks")
    v.add_argument("--kubernetes-version", metavar="X.Y",
                   help="validate against this Kubernetes version, not each environment's")
    v.add_argument("--ignore-missing-schemas", action="store_true",
                   help="a kind with no schema is not a finding")
    v.add_argument("--config", metavar="FILE",
                   help="settings file (.kustguard.toml or pyproject.toml; default: the repository's)")
    v.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="repository files and entry points to leave out (repeatable)")
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
    en = ssub.add_parser("enums", help="generate the enum table of a Kubernetes version from "
                                       "the k8s.io/api Go sources")
    en.add_argument("api_dir", help="the k8s.io/api module folder (go mod download -json)")
    en.add_argument("--module-version", required=True, help="its version, e.g. v0.32.6")
    en.set_defaults(handler=cmd_schemas_enums)

    c = sub.add_parser("checks", help="list every check, or show one check's documentation")
    c.add_argument("id", nargs="?", help="a check id: print its documentation and examples")
    c.set_defaults(handler=cmd_checks)

    t = sub.add_parser("tools", help="the pinned external tools (kustomize, kubeconform)")
    tsub = t.add_subparsers(dest="tools_command", required=True, parser_class=_Parser)
    ti = tsub.add_parser("install", help="build the pinned kustomize and kubeconform with go install "
                                         "into the user's cache folder")
    ti.add_argument("--bin-dir", metavar="DIR", help="install there instead")
    ti.set_defaults(handler=cmd_tools_install)
    tl = tsub.add_parser("list", help="where each tool is found")
    tl.set_defaults(handler=cmd_tools_list)

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
    """Prints progress on a terminal once a run passes a second: rendering,
    then checking (big inputs spend most of their time in the checks)."""
    if not sys.stderr.isatty():
        return None, None, lambda: None
    from kustguard.report.text import plural

    start = time.monotonic()
    shown = [False]

    def printer(verb: str):
        def progress(done: int, total: int) -> None:
            if time.monotonic() - start > 1.0:
                shown[0] = True
                sys.stderr.write(f"\r\033[K{verb}: {done}/{plural(total, 'entry point')}")
                sys.stderr.flush()
        return progress

    def finish() -> None:
        if shown[0]:
            sys.stderr.write("\r\033[K")

    return printer("rendering"), printer("checking"), finish


def _check_ids(ids: list[str] | None) -> set[str] | None:
    if not ids:
        return None
    from kustguard.checks import all_checks
    from kustguard.config import unknown

    known = [c.id for c in all_checks()]
    for check_id in ids:
        if check_id not in known:
            raise InputError(unknown("check id", check_id, known),
                             hint="`kustguard checks` lists the ids")
    return set(ids)


def _choice(value: str | None, what: str, choices: tuple[str, ...]) -> str | None:
    from kustguard.config import unknown

    if value is not None and value not in choices:
        raise InputError(unknown(what, value, choices))
    return value


def cmd_validate(args) -> int:
    from kustguard.checks import all_checks
    from kustguard.config import SEVERITIES, check_known_ids, find_repo_root, load_config, parse_severity
    from kustguard.discover import STDIN, entries_from_args
    from kustguard.findings import INTERNAL_ERROR
    from kustguard.pipeline import make_engine, run
    from kustguard.runoptions import RunOptions

    started = time.monotonic()
    _choice(args.fail_on, "--fail-on severity", SEVERITIES)
    _choice(args.schema_backend, "--schema-backend", ("python", "kubeconform"))
    if args.kubernetes_version and not re.fullmatch(r"\d+\.\d+", args.kubernetes_version):
        raise InputError(f"--kubernetes-version {args.kubernetes_version!r} is not a version",
                         hint="give major.minor, e.g. 1.32")
    repo_root = find_repo_root(Path.cwd())
    config = load_config(repo_root, Path(args.config) if args.config else None)
    if args.ignore_missing_schemas:  # the missing-schemas setting, for every API group
        config.missing_schemas = {"*": "ignore"}
    check_known_ids(config, [c.id for c in all_checks()])
    only = _check_ids(args.check)
    stdin_text = sys.stdin.read() if STDIN in args.paths else None
    excludes = tuple(args.exclude) + tuple(config.exclude)
    entries = entries_from_args(repo_root, args.paths, stdin_text, patterns=config.entry_points,
                                excludes=excludes)
    render_progress, check_progress, finish = _progress_printer()
    options = RunOptions(kubernetes_version=args.kubernetes_version or "",
                         exclude=tuple(args.exclude), check_progress=check_progress)
    engine, warnings = make_engine(repo_root, use_cache=not args.no_cache)
    try:
        result = run(repo_root, entries, config, engine=engine, backend_name=args.schema_backend,
                     only=only, progress=render_progress, options=options)
    finally:
        finish()
    result.warnings += warnings
    elapsed = time.monotonic() - started
    if args.format == "text":
        from kustguard.report import text

        colour = text.use_colour() and not args.output
        output = text.render(result, colour=colour, elapsed=elapsed)
    elif args.format == "json":
        from kustguard.report import json as json_report

        output = json_report.render(result, elapsed=elapsed)
    else:
        from kustguard.report import FORMATS

        output = FORMATS[args.format].render(result.findings, checks=result.checks,
                                             overlays=[o.name for o in result.overlays],
                                             skipped=result.skipped)
    _write_report(output, args.output)
    if result.input_errors:
        for error in result.input_errors:
            print(f"kustguard: {error}", file=sys.stderr)
        return EXIT_USAGE
    failed = sum(1 for f in result.findings if f.check_id == INTERNAL_ERROR)
    if failed:
        print(f"kustguard: {failed} internal-error finding(s): a check failed on an object; "
              "everything else was checked (report it)", file=sys.stderr)
        return EXIT_USAGE
    threshold = parse_severity(args.fail_on) if args.fail_on else config.fail_on
    return EXIT_FINDINGS if any(f.severity >= threshold for f in result.findings) else EXIT_CLEAN


def _write_report(output: str, path: str | None) -> None:
    if not path:
        sys.stdout.write(output)
        return
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(output, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write the report: {exc.strerror}", path,
                         hint="give a writable file with -o") from None


def cmd_render(args) -> int:
    from kustguard.config import find_repo_root
    from kustguard.discover import entries_from_args
    from kustguard.pipeline import make_engine
    from kustguard.resources import parse_stream

    import yaml

    repo_root = find_repo_root(Path.cwd())
    entry = entries_from_args(repo_root, [args.path])[0]
    if entry.plain:
        raise InputError("is not a kustomization or Component folder", args.path,
                         hint="render takes a folder holding kustomization.yaml")
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


def cmd_schemas_enums(args) -> int:
    import json

    from kustguard.schema import enums

    api_dir = Path(args.api_dir)
    if not (api_dir / "core" / "v1" / "types.go").is_file():
        raise InputError("not a k8s.io/api module folder (no core/v1/types.go)", api_dir)
    minor = args.module_version.lstrip("v").split(".")
    if len(minor) != 3 or minor[0] != "0":
        raise InputError(f"not a k8s.io/api version: {args.module_version}",
                         hint="k8s.io/api v0.32.6 is Kubernetes 1.32.6")
    table = enums.generate(api_dir, args.module_version)
    target = enums.table_path(f"1.{minor[1]}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    fields = sum(len(f) for f in table["definitions"].values())
    print(f"wrote {fields} enum fields of {len(table['definitions'])} definitions to {target.name}")
    return EXIT_CLEAN


def cmd_checks(args) -> int:
    from kustguard.checks import all_checks, check_by_id
    from kustguard.docslinks import docs_url

    if args.id is None:
        for info in all_checks():
            print(f"{info.id:28} {str(info.severity):8} {info.family:10} {info.summary}")
        return EXIT_CLEAN
    info = check_by_id(args.id)
    if info is None:
        from kustguard.config import unknown

        raise InputError(unknown("check id", args.id, [c.id for c in all_checks()]),
                         hint="`kustguard checks` lists the ids")
    from kustguard.checks._docs import parse_doc

    doc = parse_doc(info.doc)
    out = [f"{info.id}: {doc.summary}", "",
           f"family {info.family}, default severity {info.severity}, scope {info.scope}"]
    if doc.body:
        out += ["", doc.body]
    for name, example in doc.examples.items():
        out += ["", f"{name}:", "", *("    " + line for line in example.splitlines())]
    out += ["", f"Skip it on one object: ignore-check.kustguard.io/{info.id}: \"<reason>\""]
    url = docs_url(info.id)
    if url:
        out.append(f"Docs: {url}")
    print("\n".join(out))
    return EXIT_CLEAN


def cmd_tools_install(args) -> int:
    from kustguard.toolinstall import install

    return install(Path(args.bin_dir).resolve() if args.bin_dir else None)


def cmd_tools_list(args) -> int:
    from kustguard.config import find_repo_root
    from kustguard.toolinstall import where

    for name, path in where(find_repo_root(Path.cwd())):
        print(f"{name:12} {path}")
    return EXIT_CLEAN


def _wants_json(argv: list[str]) -> bool:
    """Whether the command line asks for JSON output (checked even when it does not parse)."""
    for i, arg in enumerate(argv):
        if arg == "--format=json" or (arg == "--format" and argv[i + 1:i + 2] == ["json"]):
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser(argv).parse_args(argv)
        return int(args.handler(args))
    except InputError as exc:
        print(f"kustguard: {exc}", file=sys.stderr)
        if _wants_json(words):
            import json

            sys.stdout.write(json.dumps({"error": str(exc), "overlays": [], "findings": []},
                                        indent=2) + "\n")
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
