"""Every app namespace has a default-deny ingress NetworkPolicy.

An app namespace is one holding workloads, other than kube-system,
kube-public and kube-node-lease. Without a policy selecting every pod
(`podSelector: {}`) for Ingress with no ingress rule, a pod that no other
policy selects accepts connections from anywhere, and a new workload
starts out open.

Passing::

    kind: NetworkPolicy
    metadata: {name: default-deny, namespace: todo}
    spec:
      podSelector: {}
      policyTypes: [Ingress]

Failing::

    # namespace todo runs a Deployment, and its only policy selects app=mysql
    kind: NetworkPolicy
    metadata: {name: mysql, namespace: todo}
    spec:
      podSelector: {matchLabels: {app: mysql}}
      ingress: [{from: [{podSelector: {matchLabels: {app: todo}}}]}]
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity
from kustguard.netpol.model import model_of
from kustguard.netpol.pods import SYSTEM_NAMESPACES
from kustguard.netpol.policies import INGRESS, Policy

ID = "netpol-default-deny"
SEVERITY = Severity.WARNING
FAMILY = "network"


def is_default_deny_ingress(policy: Policy) -> bool:
    return (policy.pod_selector.matches_everything and INGRESS in policy.types
            and not policy.ingress)


def check(ctx: OverlayContext) -> Iterator[Finding]:
    model = model_of(ctx.index)
    covered = {p.namespace for p in model.policies if is_default_deny_ingress(p)}
    first_workload = {}
    for group in model.groups:
        if not group.well_known:
            first_workload.setdefault(group.namespace, group)
    for namespace, group in sorted(first_workload.items()):
        if namespace in SYSTEM_NAMESPACES or namespace in covered:
            continue
        ns_object = ctx.index.get("Namespace", "", namespace)
        yield ctx.report(
            ns_object or group.resource,
            f"namespace {namespace} runs workloads ({group.kind}/{group.name} and maybe more) "
            "but has no default-deny ingress NetworkPolicy",
            hint="add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress], "
                 "then allow what each workload needs",
            path=("metadata", "name") if ns_object else ("metadata", "namespace"),
        )
