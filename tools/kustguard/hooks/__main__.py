"""`python -m kustguard.hooks <hook> FILE...`: the same as `kustguard hooks <hook> FILE...`."""
import sys

from kustguard.cli import main

sys.exit(main(["hooks", *sys.argv[1:]]))
