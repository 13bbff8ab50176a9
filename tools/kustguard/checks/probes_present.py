"""Every long-running container has a readiness and a liveness probe.

Long-running: the containers of a Deployment, StatefulSet, DaemonSet,
ReplicaSet, ReplicationController or bare Pod, and native sidecars
(initContainers with ``restartPolicy: Always``). Jobs, CronJobs, ordinary init
containers and ephemeral containers run to completion and are not checked.
Without a readiness probe a pod gets traffic before it can serve, so
readiness is asked only of pods that a Service of the overlay selects;
without a liveness probe a hung process is never restarted.

Passing::

    containers:
      - name: web
        image: nginx:1.27.3
        ports: [{name: http, containerPort: 80}]
        readinessProbe: {httpGet: {path: /, port: http}}
        livenessProbe: {tcpSocket: {port: http}}

Failing::

    containers:
      - name: web
        image: nginx:1.27.3
        readinessProbe: {httpGet: {path: /, port: 80}}
        # no livenessProbe
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._containers import long_running_containers
from kustguard.checks._selectors import PodTemplates
from kustguard.findings import Finding, Severity

ID = "probes-present"
SEVERITY = Severity.ERROR
FAMILY = "probes"
KUBE_LINTER = ("no-readiness-probe", "no-liveness-probe")
CHECKOV = ("CKV_K8S_8", "CKV_K8S_9")

REQUIRED = (
    ("readinessProbe", "readiness", "the pod gets traffic before it can serve"),
    ("livenessProbe", "liveness", "a hung process is never restarted"),
)


def _served(ctx: OverlayContext) -> set[int]:
    """ids of the workloads whose pods some Service of the overlay selects."""
    templates = PodTemplates.of(ctx.index)
    out: set[int] = set()
    for service in ctx.index.services():
        selector = service.get("spec", "selector")
        if isinstance(selector, dict) and selector:
            out.update(id(w) for w in templates.select(ctx.index.namespace_of(service), selector))
    return out


def check(ctx: OverlayContext) -> Iterator[Finding]:
    served = _served(ctx)
    for workload in ctx.index.workloads(long_running_only=True):
        gets_traffic = id(workload) in served
        for c in long_running_containers(workload):
            what = "sidecar" if c.is_sidecar else "container"
            for field, label, why in REQUIRED:
                if field == "readinessProbe" and not gets_traffic:
                    continue
                if isinstance(c.container.get(field), dict):
                    continue
                yield ctx.report(
                    workload,
                    f"{what} {c.name!r} has no {label} probe: {why}",
                    hint=f"add {field} (httpGet, tcpSocket, grpc or exec) to the {what}",
                    path=c.path,
                )
