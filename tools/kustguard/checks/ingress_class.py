"""An Ingress's class is one the environment runs.

``spec.ingressClassName`` (or the older ``kubernetes.io/ingress.class``
annotation) must be one of the environment's ``ingressClasses`` in its
``environment.yaml``, or an IngressClass the overlay renders. An Ingress of a
class no controller watches is never served. An Ingress without a class uses
the cluster's default class and passes; if the environment declares no
ingress classes, nothing is reported.

Passing::

    # environment.yaml: ingressClasses: [traefik]
    kind: Ingress
    spec:
      ingressClassName: traefik

Failing::

    # environment.yaml: ingressClasses: [traefik]
    kind: Ingress
    spec:
      ingressClassName: nginx
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity

ID = "ingress-class"
SEVERITY = Severity.ERROR
FAMILY = "references"

ANNOTATION = "kubernetes.io/ingress.class"


def check(ctx: OverlayContext) -> Iterator[Finding]:
    declared = list(ctx.environment.ingress_classes) if ctx.environment else []
    if not declared:
        return
    known = set(declared) | {c.name for c in ctx.index.of_kind("IngressClass")}
    env_name = ctx.environment.name if ctx.environment else ""
    for ingress in ctx.index.of_kind("Ingress"):
        for value, path in ((ingress.get("spec", "ingressClassName"), ("spec", "ingressClassName")),
                            (ingress.annotations.get(ANNOTATION), ("metadata", "annotations", ANNOTATION))):
            if value is None or str(value) in known:
                continue
            yield ctx.report(
                ingress,
                f"Ingress {ingress.name!r} uses ingress class {str(value)!r}, which environment "
                f"{env_name!r} does not run (it runs: {', '.join(sorted(known))})",
                hint="use one of the environment's classes (a component per controller), or add the "
                     "class to ingressClasses in the overlay's environment.yaml if the cluster runs it",
                path=path,
            )
