"""Every NetworkPolicy selects at least one pod of its namespace.

A policy whose podSelector matches no workload template in its namespace
does nothing: usually a label typo or a policy left behind by a rename, and
the pods it was written for are not protected. Policies in kube-system,
kube-public and kube-node-lease are skipped (the cluster runs pods there
that the overlay does not render).

Passing::

    # Deployment todo/mysql has template labels {app: mysql}
    kind: NetworkPolicy
    metadata: {name: mysql, namespace: todo}
    spec:
      podSelector: {matchLabels: {app: mysql}}

Failing::

    kind: NetworkPolicy
    metadata: {name: mysql, namespace: todo}
    spec:
      podSelector: {matchLabels: {app: mysq1}}
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity
from kustguard.netpol.model import model_of
from kustguard.netpol.pods import SYSTEM_NAMESPACES

ID = "netpol-selects-nothing"
SEVERITY = Severity.WARNING
FAMILY = "network"


def check(ctx: OverlayContext) -> Iterator[Finding]:
    model = model_of(ctx.index)
    for policy in model.policies:
        if policy.namespace in SYSTEM_NAMESPACES or model.selected[policy.index]:
            continue
        yield ctx.report(
            policy.resource,
            f"podSelector {policy.pod_selector.describe()} matches no pod in namespace "
            f"{policy.namespace}: the policy has no effect",
            hint="fix the labels to match a workload's pod template, or delete the policy",
            path=("spec", "podSelector"),
        )
