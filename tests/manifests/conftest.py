"""Rendered overlays for the manifest tests.

Each overlay is rendered once per test session (per xdist worker) with the
project's own renderer (``kustguard.render.render_objects``: the pinned
kustomize with exec plugins, the SOPS plugin in shape-only mode); the tests
assert on the rendered objects, never on the source files.
"""
from __future__ import annotations

import pytest

from manifest_helpers import Objects, render


@pytest.fixture(scope="session")
def rendered():
    """rendered(env) -> Objects of overlays/<env>."""
    return lambda env: Objects(env, render(env))
