"""Every workload's pods are selected by at least one ingress NetworkPolicy.

A pod that no NetworkPolicy of type Ingress selects accepts connections
from every pod of the cluster and from outside it. This check names each
such workload, one finding per workload, as kube-linter, kube-score,
Polaris and Checkov do.

How it relates to ``netpol-default-deny``: that check asks each app
namespace for a default-deny policy (``podSelector: {}``), which isolates
every pod there, today's and tomorrow's, and so is the stronger rule; it
reports the namespace once. This one reports the exposed workloads
themselves, so a namespace without a default-deny gives one
``netpol-default-deny`` finding plus one ``netpol-pod-isolated`` finding
per workload it leaves open. A namespace with a default-deny gives neither.
Workloads in kube-system, kube-public and kube-node-lease are not checked.

Passing::

    kind: NetworkPolicy
    metadata: {name: web, namespace: shop}
    spec:
      podSelector: {matchLabels: {app: web}}
      ingress: [{from: [{podSelector: {matchLabels: {app: gateway}}}]}]
    # ...and the Deployment web's pods carry app=web

Failing::

    kind: Deployment
    metadata: {name: web, namespace: shop}
    spec:
      template:
        metadata: {labels: {app: web}}
    # no NetworkPolicy in shop selects app=web for Ingress
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity
from kustguard.netpol.model import model_of
from kustguard.netpol.pods import SYSTEM_NAMESPACES
from kustguard.netpol.policies import INGRESS

ID = "netpol-pod-isolated"
SEVERITY = Severity.WARNING
FAMILY = "network"
KUBE_LINTER = ("non-isolated-pod",)


def check(ctx: OverlayContext) -> Iterator[Finding]:
    model = model_of(ctx.index)
    isolated = model.isolated(INGRESS)
    for group in model.groups:
        if group.well_known or group.namespace in SYSTEM_NAMESPACES:
            continue
        if isolated & (1 << group.index):
            continue
        yield ctx.report(
            group.resource,
            f"no ingress NetworkPolicy selects the pods of {group.kind}/{group.name}: "
            "they accept connections from anywhere",
            hint="add a default-deny policy to the namespace, then a policy allowing what "
                 "this workload needs",
            path=("spec", "template", "metadata", "labels") if group.kind != "Pod"
            else ("metadata", "labels"),
        )
