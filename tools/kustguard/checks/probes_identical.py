"""A container's liveness and readiness probes are not identical.

Readiness answers "can this pod take traffic now?", liveness "is this process
beyond repair?". When both probes are the same, a slow dependency or a load
spike fails both at once: instead of being taken out of rotation until it
recovers, the pod is restarted, often all replicas together. Give liveness a
cheaper endpoint (or at least a higher failureThreshold).

Passing::

    readinessProbe: {httpGet: {path: /ready, port: http}}
    livenessProbe: {httpGet: {path: /alive, port: http}, failureThreshold: 6}

Failing::

    readinessProbe: {httpGet: {path: /health, port: http}}
    livenessProbe: {httpGet: {path: /health, port: http}}
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._containers import iter_containers
from kustguard.findings import Finding, Severity

ID = "probes-identical"
SEVERITY = Severity.WARNING
FAMILY = "probes"


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for workload in ctx.index.workloads():
        for c in iter_containers(workload, ephemeral=False):
            liveness = c.container.get("livenessProbe")
            readiness = c.container.get("readinessProbe")
            if isinstance(liveness, dict) and liveness and liveness == readiness:
                yield ctx.report(
                    workload,
                    f"container {c.name!r} has identical liveness and readiness probes: a failing "
                    f"dependency restarts the pod instead of only taking it out of rotation",
                    hint="point liveness at a cheaper check of the process itself, or give it a "
                         "higher failureThreshold than readiness",
                    path=c.path + ("livenessProbe",),
                )
