"""Placeholder until the SOPS plugin lands (issue 3): fails closed."""
import sys


def main() -> int:
    print("kustguard-sops: not implemented yet", file=sys.stderr)
    return 2
