"""Links from a finding to its check's documentation.

Each check has a section of docs/checks.md (anchor = check id); findings link
it at this release's tag, on the project's repository as the installed
package's metadata names it (``[project.urls] Repository`` in
pyproject.toml). Without that metadata (a source tree never installed) there
is no link.
"""
from __future__ import annotations

from functools import cache
from importlib import metadata

from kustguard import __version__

DOCS_PAGE = "docs/checks.md"


@cache
def repository_url() -> str:
    try:
        urls = metadata.metadata("kustguard").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return ""
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "repository":
            return url.strip().rstrip("/")
    return ""


def docs_url(check_id: str) -> str:
    """The check's section of docs/checks.md at this release's tag ('' if unknown)."""
    base = repository_url()
    return f"{base}/blob/v{__version__}/{DOCS_PAGE}#{check_id}" if base else ""
