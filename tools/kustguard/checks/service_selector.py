"""A Service's selector matches at least one pod template in its namespace.

A Service whose selector selects nothing has no endpoints: every connection
to it fails. Services without a selector (endpoints managed by hand) and
ExternalName Services are not checked.

Passing::

    kind: Service
    spec:
      selector: {app: web}
    ---
    kind: Deployment
    spec:
      template:
        metadata: {labels: {app: web, tier: front}}

Failing::

    kind: Service
    spec:
      selector: {app: website}   # no pod template has app=website
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._selectors import PodTemplates
from kustguard.findings import Finding, Severity

ID = "service-selector"
SEVERITY = Severity.ERROR
FAMILY = "references"
KUBE_LINTER = ("dangling-service",)


def check(ctx: OverlayContext) -> Iterator[Finding]:
    templates = PodTemplates.of(ctx.index)
    for service in ctx.index.services():
        selector = service.get("spec", "selector")
        if not isinstance(selector, dict) or not selector or service.get("spec", "type") == "ExternalName":
            continue
        ns = ctx.index.namespace_of(service)
        if templates.select(ns, selector):
            continue
        wanted = ", ".join(f"{k}={v}" for k, v in selector.items())
        yield ctx.report(
            service,
            f"Service {service.name!r} selects {wanted}, which no pod template in namespace {ns!r} carries",
            hint="fix the selector or the workload's template labels (commonLabels/labels in "
                 "kustomize change both only with includeSelectors)",
            path=("spec", "selector"),
        )
