"""``kustguard promote`` and ``kustguard fix``: comment-preserving GitOps edits.

Exit codes: 0 written (or nothing to do, or a clean dry run); 1 refused
because the edit would add findings (promote) or change the rendered output
(fix), with every file left as it was; 2 usage or input errors, including a
file that changed on disk while the command ran.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from kustguard.errors import EXIT_CLEAN, EXIT_FINDINGS, InputError

PROMOTE_EPILOG = """\
examples:
  kustguard promote todo --to k3d --tag 1.2.3        set the tag k3d runs
  kustguard promote todo --from k3d --to gke         copy k3d's tag of todo to gke
  kustguard promote --from k3d --to gke --dry-run    every image that differs, diff only
"""

FIX_EPILOG = """\
rewrites: bases -> resources; patchesStrategicMerge, patchesJson6902 -> patches;
commonLabels -> labels (includeSelectors: true). vars is reported, not rewritten.
"""


def register(subparsers: Any) -> None:
    """Add ``promote`` and ``fix`` to the main CLI's sub-parsers."""
    p = subparsers.add_parser(
        "promote", help="set or copy an image's tag in an environment's images:",
        description="Set the tag (or digest) an environment runs of an image, or copy what\n"
                    "another environment runs. Only the changed lines are touched; the affected\n"
                    "overlays are rendered and validated before anything is written.",
        epilog=PROMOTE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("images", nargs="*", metavar="IMAGE",
                   help="images: entry name; with --from, none means every image that differs")
    p.add_argument("--to", required=True, metavar="ENV", help="environment to edit (overlays/ENV)")
    p.add_argument("--from", dest="source", metavar="ENV", help="copy the pin this environment runs")
    p.add_argument("--tag", help="new tag (newTag)")
    p.add_argument("--digest", help="new digest (sha256:...)")
    _common_flags(p)
    p.set_defaults(handler=cmd_promote)

    f = subparsers.add_parser(
        "fix", help="migrate deprecated kustomization fields, keeping comments",
        description="Rewrite deprecated kustomization fields the way kustomize's own migration\n"
                    "does, keeping comments, and prove the rendered output is identical before\n"
                    "writing.",
        epilog=FIX_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    f.add_argument("paths", nargs="*", metavar="PATH",
                   help="kustomization files or folders (default: every one an entry point loads)")
    _common_flags(f)
    f.set_defaults(handler=cmd_fix)


def _common_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true",
                        help="show the diff and the verdict, write nothing")
    parser.add_argument("--commit", action="store_true",
                        help="git commit the edited files with a conventional message (never pushes)")


def _repo_root() -> Path:
    from kustguard.config import find_repo_root

    return find_repo_root(Path.cwd())


def _finish(repo_root: Path, files: list[tuple[Any, str]], message: str, args: argparse.Namespace,
            err: TextIO) -> int:
    from kustguard.edit import atomic, gitcommit

    if args.dry_run:
        print("dry run: nothing written", file=err)
        return EXIT_CLEAN
    atomic.replace_all([(snapshot, text.encode("utf-8")) for snapshot, text in files])
    for snapshot, _ in files:
        print(f"wrote {snapshot.display}", file=err)
    if args.commit:
        short = gitcommit.commit(repo_root, [s.display for s, _ in files], message)
        print(f"committed {short}: {message.splitlines()[0]} (not pushed)", file=err)
    return EXIT_CLEAN


def cmd_promote(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    from kustguard.edit import diff, promote, validation
    from kustguard.edit.images import Pin

    if args.source and (args.tag or args.digest):
        raise InputError("give either --from or --tag/--digest, not both")
    if not args.source:
        if not (args.tag or args.digest):
            raise InputError("give --tag and/or --digest, or --from ENV to copy its pin")
        if len(args.images) != 1:
            raise InputError("give exactly one IMAGE with --tag/--digest")
    repo_root = _repo_root()
    if args.source:
        plan = promote.plan_copy(repo_root, args.source, args.to, args.images)
    else:
        plan = promote.plan_set(repo_root, args.to, args.images[0], Pin(args.tag, args.digest))
    for note in plan.notes:
        print(note, file=err)
    if not plan.files:
        print("nothing to change", file=err)
        return EXIT_CLEAN
    for snapshot, text in plan.files.items():
        out.write(diff.unified(snapshot.display, snapshot.text, text))
    out.flush()
    for change in plan.changes:
        print(change.describe(), file=err)
    if plan.lock_problems:
        for problem in plan.lock_problems:
            print(f"refused: {problem}; nothing written", file=err)
        return EXIT_FINDINGS
    verdict = validation.validate(repo_root, {s.path: t.encode("utf-8")
                                              for s, t in plan.files.items()})
    for warning in verdict.warnings:
        print(f"warning: {warning}", file=err)
    if not verdict.ok:
        n = len(verdict.new_findings)
        print(f"refused: the edit would add {n} finding{'s' * (n != 1)}; nothing written", file=err)
        for finding in verdict.new_findings:
            print(f"  {validation.describe(finding)}", file=err)
        return EXIT_FINDINGS
    if verdict.targets:
        print(f"validated {', '.join(t.name for t in verdict.targets)}: no new findings", file=err)
    return _finish(repo_root, list(plan.files.items()), plan.commit_message(), args, err)


def cmd_fix(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    from kustguard.edit import diff, fix

    repo_root = _repo_root()
    paths = fix.kustomization_paths(args.paths, Path.cwd()) if args.paths else None
    plan = fix.plan_fix(repo_root, paths)
    for note in plan.manual:
        print(note, file=err)
    if not plan.files:
        for warning in plan.warnings:
            print(f"warning: {warning}", file=err)
        print("nothing to fix", file=err)
        return EXIT_CLEAN
    for warning in plan.warnings:
        print(f"warning: {warning}", file=err)
    for f in plan.files:
        out.write(diff.unified(f.snapshot.display, f.snapshot.text, f.new_text))
    out.flush()
    for comparison in plan.comparisons:
        print(comparison.summary(), file=err)
    if not plan.equivalent:
        print("refused: the rewrite is not proven equivalent; nothing written", file=err)
        return EXIT_FINDINGS
    return _finish(repo_root, [(f.snapshot, f.new_text) for f in plan.files],
                   plan.commit_message(), args, err)
