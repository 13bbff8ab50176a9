"""A StatefulSet's serviceName names a headless Service of its namespace.

The governing Service gives each pod its stable DNS name
(``<pod>.<serviceName>.<namespace>.svc``); it must exist and be headless
(``clusterIP: None``), or those names never resolve. StatefulSets without
``serviceName`` are not checked.

Passing::

    kind: Service
    metadata: {name: mysql-headless}
    spec: {clusterIP: None, selector: {app: mysql}, ports: [{port: 3306}]}
    ---
    kind: StatefulSet
    spec:
      serviceName: mysql-headless

Failing::

    kind: Service
    metadata: {name: mysql}
    spec: {selector: {app: mysql}, ports: [{port: 3306}]}   # not headless
    ---
    kind: StatefulSet
    spec:
      serviceName: mysql
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity

ID = "statefulset-service"
SEVERITY = Severity.ERROR
FAMILY = "references"


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for sts in ctx.index.of_kind("StatefulSet"):
        name = sts.get("spec", "serviceName")
        if not name:
            continue
        ns = ctx.index.namespace_of(sts)
        service = ctx.index.get("Service", ns, str(name))
        if service is None:
            yield ctx.report(
                sts,
                f"StatefulSet {sts.name!r} has serviceName {str(name)!r}, but the overlay renders no such "
                f"Service in namespace {ns!r}",
                hint="add a headless Service (clusterIP: None) selecting the StatefulSet's pods",
                path=("spec", "serviceName"),
            )
        elif service.get("spec", "clusterIP") != "None":
            yield ctx.report(
                sts,
                f"StatefulSet {sts.name!r} has serviceName {str(name)!r}, but that Service is not headless",
                hint="set clusterIP: None on the governing Service (keep a separate ClusterIP Service "
                     "for clients if needed)",
                path=("spec", "serviceName"),
            )
