"""Every podSelector / namespaceSelector peer of a NetworkPolicy matches something.

A peer that matches no namespace, or no pod, lets nothing through: the
traffic the rule was written for is blocked (usually a label typo). Known
cluster namespaces count even when the overlay does not render them:
default, kube-system, kube-public and kube-node-lease, each with its
`kubernetes.io/metadata.name` label; pods in the last three are not known
statically, so a pod selector aimed there is trusted (except that the
cluster DNS, k8s-app=kube-dns in kube-system, is known). ipBlock peers are
not checked.

Passing::

    egress:
      - to:
          - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
            podSelector: {matchLabels: {k8s-app: kube-dns}}

Failing::

    ingress:
      - from:
          - namespaceSelector: {matchLabels: {team: frontend}}   # no such namespace
          - podSelector: {matchLabels: {app: tood}}              # no such pod
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity
from kustguard.netpol.bitsets import members
from kustguard.netpol.model import model_of
from kustguard.netpol.pods import SYSTEM_NAMESPACES

ID = "netpol-peer-selects-nothing"
SEVERITY = Severity.WARNING
FAMILY = "network"


def check(ctx: OverlayContext) -> Iterator[Finding]:
    model = model_of(ctx.index)
    for policy in model.policies:
        for direction in ("ingress", "egress"):
            for bound in model.rules_of(policy, direction):
                for peer in bound.peers:
                    if peer.peer.ip_block is not None:
                        continue
                    selectors = peer.peer
                    if selectors.namespace_selector is not None and not peer.namespaces:
                        yield ctx.report(
                            policy.resource,
                            f"{bound.rule.label} peer: namespaceSelector "
                            f"{selectors.namespace_selector.describe()} matches no namespace",
                            hint="namespaces match on their labels, plus the implicit "
                                 "kubernetes.io/metadata.name",
                            path=peer.peer.path + ("namespaceSelector",),
                        )
                        continue
                    if selectors.pod_selector is None or peer.pods:
                        continue
                    names = [model.namespace_names[i] for i in members(peer.namespaces)]
                    if any(n in SYSTEM_NAMESPACES for n in names):
                        continue  # the cluster runs pods there the overlay does not show
                    where = (f"namespace {names[0]}" if len(names) == 1
                             else "namespaces " + ", ".join(names))
                    yield ctx.report(
                        policy.resource,
                        f"{bound.rule.label} peer: podSelector "
                        f"{selectors.pod_selector.describe()} matches no pod in {where}",
                        hint="a podSelector without namespaceSelector looks in the policy's "
                             "own namespace; check the labels of the pod templates",
                        path=peer.peer.path + ("podSelector",),
                    )
