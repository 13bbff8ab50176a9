"""A HorizontalPodAutoscaler scales an object the overlay renders.

``spec.scaleTargetRef`` (kind and name) must name an object of the HPA's
namespace in the same rendered overlay; an HPA whose target is missing (a
renamed Deployment, a name prefix the HPA did not get) scales nothing.

Passing::

    kind: HorizontalPodAutoscaler
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}

Failing::

    kind: HorizontalPodAutoscaler
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: website}
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity

ID = "hpa-target"
SEVERITY = Severity.ERROR
FAMILY = "references"
KUBE_LINTER = ("dangling-horizontalpodautoscaler",)


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for hpa in ctx.index.of_kind("HorizontalPodAutoscaler"):
        ref = hpa.get("spec", "scaleTargetRef")
        if not isinstance(ref, dict) or not ref.get("name") or not ref.get("kind"):
            continue
        ns = ctx.index.namespace_of(hpa)
        kind, name = str(ref["kind"]), str(ref["name"])
        if ctx.index.get(kind, ns, name) is not None:
            continue
        yield ctx.report(
            hpa,
            f"HorizontalPodAutoscaler {hpa.name!r} scales {kind} {name!r}, which the overlay does not "
            f"render in namespace {ns!r}",
            hint="fix scaleTargetRef's kind and name, or add the target to the overlay",
            path=("spec", "scaleTargetRef", "name"),
        )
