"""`python -m kustguard.edit promote|fix ...`: the same commands as `kustguard promote|fix`."""
from __future__ import annotations

import argparse
import os
import sys

from kustguard.edit.cli import register
from kustguard.errors import EXIT_USAGE, InputError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        raise InputError(f"{self.prog}: {message}", hint=f"see '{self.prog} --help'")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="kustguard", description=__doc__)
    register(parser.add_subparsers(dest="command", required=True, parser_class=_Parser))
    try:
        args = parser.parse_args(argv)
        return int(args.handler(args))
    except InputError as exc:
        print(f"kustguard: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback; KUSTGUARD_DEBUG shows it
        if os.environ.get("KUSTGUARD_DEBUG"):
            raise
        print(f"kustguard: internal error: {type(exc).__name__}: {exc} "
              "(set KUSTGUARD_DEBUG=1 for details and report it)", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
