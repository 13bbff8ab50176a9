"""A pod's ServiceAccount exists in its namespace.

``serviceAccountName`` (or the deprecated ``serviceAccount``) other than
``default`` must name a ServiceAccount the overlay renders in the pod's
namespace; otherwise the API server refuses to create the pods and the
workload never starts.

Passing::

    kind: ServiceAccount
    metadata: {name: api, namespace: shop}
    ---
    kind: Deployment
    metadata: {name: api, namespace: shop}
    spec:
      template:
        spec:
          serviceAccountName: api

Failing::

    kind: Deployment
    metadata: {name: api, namespace: shop}
    spec:
      template:
        spec:
          serviceAccountName: api-sa   # no such ServiceAccount in shop
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._containers import pod_spec, pod_spec_path
from kustguard.findings import Finding, Severity

ID = "service-account"
SEVERITY = Severity.ERROR
FAMILY = "references"
KUBE_LINTER = ("non-existent-service-account",)


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for workload in ctx.index.workloads():
        spec = pod_spec(workload)
        field = "serviceAccountName" if spec.get("serviceAccountName") else "serviceAccount"
        name = spec.get(field)
        if not name or name == "default":
            continue
        ns = ctx.index.namespace_of(workload)
        if ctx.index.get("ServiceAccount", ns, str(name)) is not None:
            continue
        yield ctx.report(
            workload,
            f"{workload.kind} {workload.name!r} runs as ServiceAccount {str(name)!r}, which the overlay "
            f"does not render in namespace {ns!r}",
            hint="add the ServiceAccount to the overlay, or fix the name",
            path=pod_spec_path(workload) + (field,),
        )
