"""`python -m kustguard.hooks <hook> FILE...`: the pre-commit entry points."""
import sys

from kustguard.hooks.cli import main

sys.exit(main())
