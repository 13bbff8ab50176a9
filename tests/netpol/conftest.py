"""The netpol checks are tested with the shared check fixture (run_check)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

_path = Path(__file__).resolve().parents[1] / "checks" / "conftest.py"
_spec = importlib.util.spec_from_file_location("_shared_check_fixtures", _path)
assert _spec is not None and _spec.loader is not None
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

run_check = _fixtures.run_check
