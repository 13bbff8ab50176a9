"""Pod groups and namespaces of an overlay, as NetworkPolicies see them.

A workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob,
Pod, ReplicationController) is one pod group: every replica carries the
template's labels and container ports, so policies cannot tell them apart.

Two things exist in every cluster without being rendered, and policies
routinely point at them:
- the namespaces default, kube-system, kube-public and kube-node-lease,
  each with its implicit `kubernetes.io/metadata.name` label;
- the cluster DNS (kube-dns / CoreDNS) in kube-system, labelled
  `k8s-app: kube-dns`, serving 53/UDP and 53/TCP. It is added as a
  well-known destination (never a source), so a DNS egress rule is
  evaluated against the real labels and ports.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kustguard.index import Index
from kustguard.k8s.workloads import pod_template
from kustguard.netpol.ports import PortSet
from kustguard.k8s.labels import label_text
from kustguard.resources import Resource, as_list, as_mapping, mappings

NAME_LABEL = "kubernetes.io/metadata.name"
KNOWN_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
# Namespaces the cluster itself fills with pods an overlay does not render.
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})
DNS_NAMESPACE = "kube-system"
DNS_LABELS = {"k8s-app": "kube-dns"}


@dataclass
class PodGroup:
    index: int
    namespace: str
    name: str
    kind: str
    labels: dict[str, str]
    # (port name, protocol) -> number, from every container of the template.
    named_ports: dict[tuple[str, str], int] = field(default_factory=dict)
    # None for a well-known pod that the overlay does not render.
    resource: Resource | None = None
    # Only these ports accept connections (known for well-known pods only).
    serves: PortSet | None = None
    key: str = ""

    @property
    def well_known(self) -> bool:
        return self.resource is None


def _named_ports(template: dict) -> dict[tuple[str, str], int]:
    spec = as_mapping(template.get("spec"))
    out = {}
    for group in ("initContainers", "containers"):
        for container in mappings(spec.get(group)):
            for port in as_list(container.get("ports")):
                if not isinstance(port, dict) or not port.get("name"):
                    continue
                number = port.get("containerPort")
                if isinstance(number, int) and not isinstance(number, bool):
                    proto = str(port.get("protocol") or "TCP").upper()
                    out[(str(port["name"]), proto)] = number
    return out


def _dns_group(index: int) -> PodGroup:
    return PodGroup(
        index=index, namespace=DNS_NAMESPACE, name="kube-dns", kind="Deployment",
        labels=dict(DNS_LABELS),
        named_ports={("dns", "UDP"): 53, ("dns-tcp", "TCP"): 53},
        serves=PortSet({"UDP": [(53, 53)], "TCP": [(53, 53)]}),
        key=f"{DNS_NAMESPACE}/kube-dns",
    )


def pod_groups(index: Index) -> list[PodGroup]:
    groups: list[PodGroup] = []
    for res in index.workloads():
        template = pod_template(res)
        if not isinstance(template, dict):
            continue
        meta = template.get("metadata") or {}
        labels = meta.get("labels") if isinstance(meta, dict) else None
        labels = {str(k): label_text(v) for k, v in (labels or {}).items()} \
            if isinstance(labels, dict) else {}
        groups.append(PodGroup(
            index=len(groups), namespace=index.namespace_of(res), name=res.name,
            kind=res.kind, labels=labels, named_ports=_named_ports(template), resource=res,
        ))
    _name_groups(groups)
    has_dns = any(g.namespace == DNS_NAMESPACE
                  and all(g.labels.get(k) == v for k, v in DNS_LABELS.items()) for g in groups)
    if not has_dns:
        groups.append(_dns_group(len(groups)))
    return groups


def _name_groups(groups: list[PodGroup]) -> None:
    """`namespace/name`, or `namespace/kind/name` when two workloads share a name."""
    seen: dict[str, int] = {}
    for g in groups:
        seen[f"{g.namespace}/{g.name}"] = seen.get(f"{g.namespace}/{g.name}", 0) + 1
    for g in groups:
        short = f"{g.namespace}/{g.name}"
        g.key = short if seen[short] == 1 else f"{g.namespace}/{g.kind.lower()}/{g.name}"


def namespaces(index: Index) -> list[tuple[str, dict[str, str]]]:
    """Every namespace an overlay uses or the cluster always has, with its labels."""
    names = set(index.namespaces()) | set(KNOWN_NAMESPACES)
    out = []
    for name in sorted(names):
        labels = {str(k): label_text(v) for k, v in index.namespace_labels(name).items()}
        out.append((name, labels))
    return out
