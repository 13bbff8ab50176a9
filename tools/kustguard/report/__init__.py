"""Output formats. ``FORMATS`` maps a --format name to its module; each module
has ``render(findings, *, checks, overlays) -> str``. (text and json, with
their own signatures, are picked by the CLI directly.)"""
from kustguard.report import github, junit, sarif

FORMATS = {"sarif": sarif, "junit": junit, "github": github}
