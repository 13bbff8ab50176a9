"""Which operation an Application shows, and whether it is the current one.

Argo CD keeps one operation per app: ``operation`` while it is requested or
running, then ``status.operationState`` until the next one. After a push
that state may still be the previous operation's, at another revision; these
helpers say whether it belongs to the app's current target. The waiter and
the client's ambiguous-failure check both use them.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def status_of(app: dict) -> dict:
    status = app.get("status")
    return status if isinstance(status, dict) else {}


def parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def resource_version(app: dict) -> str | None:
    meta = app.get("metadata")
    rv = meta.get("resourceVersion") if isinstance(meta, dict) else None
    return str(rv) if rv else None


def operation_running(app: dict) -> bool:
    phase = (status_of(app).get("operationState") or {}).get("phase")
    return bool(app.get("operation")) or phase in ("Running", "Terminating")


def _revisions(block: Any) -> tuple[str, ...]:
    """``revision`` or, for a multi-source app, ``revisions`` of a status block."""
    if not isinstance(block, dict):
        return ()
    many = block.get("revisions")
    if isinstance(many, list) and any(many):
        return tuple(str(r) for r in many)
    return (str(block["revision"]),) if block.get("revision") else ()


def target_revisions(app: dict) -> tuple[str, ...]:
    """The revision(s) git resolves the app's target to, as Argo CD last compared."""
    return _revisions(status_of(app).get("sync"))


def operation_revisions(app: dict) -> tuple[str, ...]:
    """The revision(s) the running operation, or else the last one, syncs."""
    operation = app.get("operation")
    if isinstance(operation, dict) and operation.get("sync"):
        return _revisions(operation["sync"])
    op_state = status_of(app).get("operationState") or {}
    return _revisions(op_state.get("syncResult")) or _revisions(
        (op_state.get("operation") or {}).get("sync"))


def now_utc() -> datetime:
    """Now, to the second: Argo CD's timestamps have no fraction."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def operation_is_current(app: dict, since: datetime | None) -> bool:
    """Whether the app's operation belongs to the current target: it syncs the
    revision the app now targets, or it started at or after ``since`` (when
    the wait, or the sync it waits for, began)."""
    op_state = status_of(app).get("operationState") or {}
    if not op_state:
        return False
    target, synced = target_revisions(app), operation_revisions(app)
    if target and synced and target == synced:
        return True
    started = parse_time(op_state.get("startedAt"))
    return since is not None and started is not None and started >= since
