"""What a sync request can ask for, and how it goes on the wire.

The wire format follows what the Argo CD API server decodes, which differs
from its swagger in one place: a hook strategy's ``force`` sits directly in
``hook`` (the Go type embeds the apply options inline), not under
``hook.syncStrategyApply`` as the swagger shows. A body written the
swagger's way would have its ``force`` silently ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

STRATEGIES = ("apply", "hook")


@dataclass(frozen=True)
class SyncResource:
    """One resource to sync: ``[GROUP]:KIND:[NAMESPACE/]NAME``."""

    kind: str
    name: str
    group: str = ""
    namespace: str = ""

    @classmethod
    def parse(cls, text: str) -> "SyncResource":
        parts = text.split(":")
        if len(parts) != 3 or not parts[1] or not parts[2]:
            raise ValueError(f"resource {text!r} is not GROUP:KIND:[NAMESPACE/]NAME "
                             "(the group is empty for core kinds, e.g. :Service:web)")
        group, kind, rest = parts
        namespace, _, name = rest.rpartition("/")
        if not name:
            raise ValueError(f"resource {text!r} has no name")
        return cls(kind=kind, name=name, group=group, namespace=namespace)

    def to_wire(self) -> dict[str, str]:
        out = {"group": self.group, "kind": self.kind, "name": self.name}
        if self.namespace:
            out["namespace"] = self.namespace
        return out


_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")


@dataclass(frozen=True)
class RetryPolicy:
    """How Argo CD retries a failed sync (server side, not the HTTP client)."""

    limit: int
    backoff_duration: str = "5s"
    backoff_factor: int = 2
    backoff_max_duration: str = "3m"

    def __post_init__(self) -> None:
        if self.limit < 0:
            raise ValueError("retry limit must be >= 0")
        for value in (self.backoff_duration, self.backoff_max_duration):
            if not _DURATION.match(value):
                raise ValueError(f"{value!r} is not a duration like 5s or 3m")

    def to_wire(self) -> dict[str, Any]:
        return {"limit": self.limit, "backoff": {
            "duration": self.backoff_duration, "factor": self.backoff_factor,
            "maxDuration": self.backoff_max_duration}}


def strategy_to_wire(strategy: str | None, force: bool) -> dict[str, Any] | None:
    """``{"apply": {"force": true}}`` or ``{"hook": {"force": true}}``."""
    if strategy is None:
        if force:
            strategy = "apply"
        else:
            return None
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, not {strategy!r}")
    return {strategy: {"force": True} if force else {}}
