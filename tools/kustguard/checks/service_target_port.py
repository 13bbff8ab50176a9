"""A Service's targetPort is a port its selected containers expose.

For each port of a Service that selects pods: a named ``targetPort`` must be
the name of a container port (with the same protocol) in a selected pod
template, or nothing receives the traffic (an error). A numeric one reaches
the container whether or not it is declared, since Kubernetes routes to
undeclared ports: it is only a warning when the selected containers declare
other ports and not this one, which is most often a typo, and no finding
when they declare none. Without ``targetPort`` the Service uses ``port``. Native sidecars (init containers
with ``restartPolicy: Always``) count. Services that select nothing are left
to ``service-selector``.

Passing::

    kind: Service
    spec:
      selector: {app: web}
      ports: [{name: http, port: 80, targetPort: http}]
    # the app=web template: ports: [{name: http, containerPort: 8080}]

Failing::

    kind: Service
    spec:
      selector: {app: web}
      ports:
        - {port: 80}                      # targetPort defaults to 80: not exposed
        - {port: 443, targetPort: https}  # no container port named https
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._containers import as_port_number, has_port, iter_containers
from kustguard.checks._selectors import PodTemplates
from kustguard.findings import Finding, Severity

ID = "service-target-port"
SEVERITY = Severity.ERROR
FAMILY = "references"


def check(ctx: OverlayContext) -> Iterator[Finding]:
    templates = PodTemplates.of(ctx.index)
    for service in ctx.index.services():
        selector = service.get("spec", "selector")
        ports = service.get("spec", "ports")
        if not isinstance(selector, dict) or not selector or not isinstance(ports, list):
            continue
        ns = ctx.index.namespace_of(service)
        selected = templates.select(ns, selector)
        if not selected:
            continue
        containers = [c.container for w in selected for c in iter_containers(w, ephemeral=False)
                      if c.runs_alongside]
        for i, port in enumerate(ports):
            if not isinstance(port, dict):
                continue
            explicit = "targetPort" in port
            target = port.get("targetPort") if explicit else port.get("port")
            if target is None:
                continue
            protocol = str(port.get("protocol") or "TCP")
            named = as_port_number(target) is None
            if any(has_port(c, target, protocol if named else None) for c in containers):
                continue
            declared = any(isinstance(c.get("ports"), list) and c["ports"] for c in containers)
            if not named and not declared:
                continue  # routed to an undeclared port, as Kubernetes does
            label = port.get("name") or port.get("port")
            what = f"port name {target!r}" if named else f"port {target}"
            default = "" if explicit else " (targetPort defaults to port)"
            workloads = ", ".join(sorted({f"{w.kind}/{w.name}" for w in selected}))
            yield ctx.report(
                service,
                f"Service {service.name!r} port {label!r} targets {what}{default}, which no selected "
                f"container exposes ({workloads})",
                hint=f"set targetPort to a declared container port{' of protocol ' + protocol if named else ''}, "
                     f"or declare it in the container's ports",
                path=("spec", "ports", i, "targetPort" if explicit else "port"),
                severity=None if named else Severity.WARNING,
            )
