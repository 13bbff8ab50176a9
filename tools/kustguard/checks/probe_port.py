"""A probe's port is one the container declares, by number or by name.

For ``httpGet``, ``tcpSocket`` and ``grpc`` probes of liveness, readiness and
startup: a named port must be the name of one of the container's ``ports``
(the kubelet cannot resolve it otherwise and the probe always fails); a numeric
port must be one of its ``containerPort`` values, so that the probe and the
ports the container publishes do not drift apart. Probes with an explicit
``httpGet.host`` check another host and are skipped.

Passing::

    ports: [{name: http, containerPort: 8080}]
    readinessProbe: {httpGet: {path: /healthz, port: http}}
    livenessProbe: {tcpSocket: {port: 8080}}

Failing::

    ports: [{name: http, containerPort: 8080}]
    readinessProbe: {httpGet: {path: /healthz, port: web}}   # no port named web
    livenessProbe: {tcpSocket: {port: 80}}                   # 80 is not declared
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._containers import PROBES, as_port_number, container_ports, has_port, iter_containers
from kustguard.findings import Finding, Severity

ID = "probe-port"
SEVERITY = Severity.ERROR
FAMILY = "probes"
KUBE_LINTER = ("liveness-port", "readiness-port", "startup-port")

HANDLERS = ("httpGet", "tcpSocket", "grpc")


def _declared(container: dict) -> str:
    parts = []
    for p in container_ports(container):
        number = p.get("containerPort")
        parts.append(f"{p['name']}={number}" if p.get("name") else str(number))
    return ", ".join(parts) or "none"


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for workload in ctx.index.workloads():
        for c in iter_containers(workload, ephemeral=False):
            for probe_field in PROBES:
                probe = c.container.get(probe_field)
                if not isinstance(probe, dict):
                    continue
                for handler in HANDLERS:
                    action = probe.get(handler)
                    if not isinstance(action, dict) or "port" not in action:
                        continue
                    if handler == "httpGet" and action.get("host"):
                        continue
                    port = action["port"]
                    if has_port(c.container, port):
                        continue
                    kind = "port" if as_port_number(port) is not None else "port name"
                    yield ctx.report(
                        workload,
                        f"container {c.name!r} {probe_field} {handler} uses {kind} {port!r}, "
                        f"which the container does not declare",
                        hint=f"declare it in the container's ports or probe a declared one "
                             f"(declared: {_declared(c.container)})",
                        path=c.path + (probe_field, handler, "port"),
                    )
