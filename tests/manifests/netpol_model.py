"""A small model of NetworkPolicy semantics, to test reachability on rendered
policies: is a TCP/UDP connection from one pod to another on a port allowed
by both the source's egress and the destination's ingress policies?

It covers what this repository uses: podSelector/namespaceSelector (matchLabels
and matchExpressions In/NotIn/Exists/DoesNotExist), ipBlock (treated as "any
address outside the cluster's pods"), numeric and named ports.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Pod:
    namespace: str
    labels: dict
    ports: dict = field(default_factory=dict)  # port name -> number
    ns_labels: dict = field(default_factory=dict)


def selects(selector: dict | None, labels: dict) -> bool:
    if selector is None:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _peer_matches(peer: dict, policy_ns: str, other: Pod) -> bool:
    if "ipBlock" in peer:
        return False  # pods are not matched by ipBlocks in this model
    ns_sel, pod_sel = peer.get("namespaceSelector"), peer.get("podSelector")
    if ns_sel is not None:
        if not selects(ns_sel, other.ns_labels):
            return False
    elif other.namespace != policy_ns:
        return False
    return pod_sel is None or selects(pod_sel, other.labels)


def _port_matches(rule_ports: list | None, port: int, protocol: str, target: Pod) -> bool:
    if not rule_ports:
        return True
    for p in rule_ports:
        if p.get("protocol", "TCP") != protocol:
            continue
        if "port" not in p:
            return True
        value = p["port"]
        number = target.ports.get(value) if isinstance(value, str) else value
        end = p.get("endPort", number)
        if number is not None and number <= port <= end:
            return True
    return False


def _direction_allows(policies: list[dict], pod: Pod, other: Pod, port: int, protocol: str,
                      kind: str, port_owner: Pod) -> bool:
    applying = [p for p in policies
                if p["metadata"].get("namespace") == pod.namespace
                and selects(p["spec"].get("podSelector", {}), pod.labels)
                and kind in (p["spec"].get("policyTypes")
                             or (["Ingress", "Egress"] if "egress" in p["spec"] else ["Ingress"]))]
    if not applying:
        return True
    key, peers_key = ("ingress", "from") if kind == "Ingress" else ("egress", "to")
    for policy in applying:
        for rule in policy["spec"].get(key) or []:
            peers = rule.get(peers_key)
            if peers and not any(_peer_matches(peer, pod.namespace, other) for peer in peers):
                continue
            if _port_matches(rule.get("ports"), port, protocol, port_owner):
                return True
    return False


def allowed(policies: list[dict], src: Pod, dst: Pod, port: int, protocol: str = "TCP") -> bool:
    return (_direction_allows(policies, src, dst, port, protocol, "Egress", dst)
            and _direction_allows(policies, dst, src, port, protocol, "Ingress", dst))


def pod_of(objects, workload: dict) -> Pod:
    """The Pod model of a rendered workload (labels, named ports, namespace labels)."""
    ns = workload["metadata"]["namespace"]
    tmpl = workload["spec"]["template"]
    ports = {p["name"]: p["containerPort"] for c in tmpl["spec"]["containers"]
             for p in c.get("ports") or [] if "name" in p}
    return Pod(ns, tmpl["metadata"].get("labels") or {}, ports, objects.namespace_labels(ns))


def ingress_allowed(policies: list[dict], src: Pod, dst: Pod, port: int, protocol: str = "TCP") -> bool:
    """Does the destination's ingress side accept it (whatever the source may send)?"""
    return _direction_allows(policies, dst, src, port, protocol, "Ingress", dst)


def egress_allowed(policies: list[dict], src: Pod, dst: Pod, port: int, protocol: str = "TCP") -> bool:
    """May the source send it (whatever the destination accepts)?"""
    return _direction_allows(policies, src, dst, port, protocol, "Egress", dst)
