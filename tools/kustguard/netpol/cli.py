"""`kustguard explain`: print an overlay's NetworkPolicy reachability.

    kustguard explain overlays/k3d                  # renders the overlay
    kustguard explain -f rendered.yaml --format dot # an already rendered stream
    kustguard build ... | kustguard explain -f - --format markdown
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kustguard.errors import EXIT_CLEAN, InputError
from kustguard.index import Index
from kustguard.netpol.engine import reachability_of
from kustguard.netpol.intents import evaluate, parse_intents
from kustguard.netpol.render import FORMATS
from kustguard.resources import parse_stream
from kustguard.yamlload import decode


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "explain", help="print which workload may reach which, on which ports (NetworkPolicies)")
    p.add_argument("overlay", nargs="?", help="an overlay folder to render, e.g. overlays/k3d")
    p.add_argument("-f", "--file", metavar="FILE",
                   help="a rendered multi-document YAML stream instead ('-' reads stdin)")
    p.add_argument("--format", default="text", choices=sorted(FORMATS))
    p.set_defaults(handler=cmd_explain)


def _read_stream(name: str) -> str:
    if name == "-":
        return decode(sys.stdin.buffer.read(), "<stdin>")
    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", name) from None
    return decode(data, name)


def cmd_explain(args: argparse.Namespace) -> int:
    if bool(args.overlay) == bool(args.file):
        raise InputError("explain needs exactly one of: an overlay folder, -f FILE",
                         hint="e.g. 'kustguard explain overlays/k3d'")
    intents = None
    if args.file:
        name = "<stdin>" if args.file == "-" else args.file
        index = Index(parse_stream(_read_stream(args.file), name, name))
    else:
        # Rendering needs the pipeline (kustomize); imported only on this path.
        from kustguard.config import find_repo_root
        from kustguard.discover import entries_from_args
        from kustguard.pipeline import load_overlay

        repo_root = find_repo_root(Path.cwd())
        entry = entries_from_args(repo_root, [args.overlay])[0]
        overlay = load_overlay(repo_root, entry.path)
        if overlay.index is None:
            raise InputError("the overlay was not rendered", args.overlay)
        index, name = overlay.index, overlay.name
        env = overlay.environment
        if env.intents:
            intents = [i for source in env.intents for i in parse_intents(source.entries, source.path)]
    reach = reachability_of(index)
    results = [(i, evaluate(i, reach)) for i in intents] if intents else None
    sys.stdout.write(FORMATS[args.format](reach, name, results))
    return EXIT_CLEAN
