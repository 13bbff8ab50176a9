"""Machine output: one JSON document with every overlay's status, every finding
and every check's status (ran, or skipped with the reason)."""
from __future__ import annotations

import json


def render(result, *, elapsed: float | None = None, **_ignored) -> str:
    doc = {
        "overlays": [
            {
                "name": o.name,
                "kind": o.entry.kind,
                "status": "error" if o.error else o.render.status,
                "error": o.error or o.render.error,
                "objects": o.objects,
                "cached": o.render.cached,
                "findingsCached": o.findings_cached,
            }
            for o in result.overlays
        ],
        "findings": [f.to_dict() for f in result.findings],
        "checks": [{"id": c.id, "status": "ran"} for c in result.checks]
        + [{"id": cid, "status": "skipped", "reason": why}
           for cid, why in sorted(getattr(result, "skipped", {}).items())],
        "suppressed": result.suppressed,
        "warnings": result.warnings,
    }
    if elapsed is not None:
        doc["elapsedSeconds"] = round(elapsed, 3)
    return json.dumps(doc, indent=2) + "\n"
