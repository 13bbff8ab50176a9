"""Every suppression annotation names a known check and gives a reason.

``ignore-check.kustguard.io/<id>: "<reason>"`` skips one check on one
object, and only with a written reason. An annotation whose reason is empty
suppresses nothing, and one naming a check id that does not exist (a typo,
a renamed check) suppresses nothing either: both used to be dropped
silently, so the reader of the manifest believed a check was skipped on
purpose. Each is a finding, naming the closest valid id.

Passing::

    metadata:
      annotations:
        ignore-check.kustguard.io/image-tag: "vendor image, pinned by digest upstream"

Failing::

    metadata:
      annotations:
        ignore-check.kustguard.io/image-tags: ""     # no reason, and no such check
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import SUPPRESS_PREFIX, OverlayContext, all_checks
from kustguard.findings import Finding, Severity

ID = "suppression"
SEVERITY = Severity.ERROR
FAMILY = "general"


def check(ctx: OverlayContext) -> Iterator[Finding]:
    from kustguard.config import unknown
    known = [c.id for c in all_checks()]
    for res in ctx.index.resources:
        for key, value in sorted(res.annotations.items()):
            if not key.startswith(SUPPRESS_PREFIX):
                continue
            check_id = key[len(SUPPRESS_PREFIX):]
            where = ("metadata", "annotations", key)
            if check_id not in known:
                yield ctx.report(res, f"annotation {key!r}: {unknown('check id', check_id, known)}",
                                 hint="name a check id from `kustguard checks`", path=where)
            elif value is None or not str(value).strip():
                yield ctx.report(res, f"annotation {key!r} gives no reason, so it suppresses nothing",
                                 hint="write why this object may skip the check", path=where)
