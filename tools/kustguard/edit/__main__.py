"""`python -m kustguard.edit promote|fix ...`: the same as `kustguard promote|fix ...`."""
import sys

from kustguard.cli import main

sys.exit(main(sys.argv[1:]))
