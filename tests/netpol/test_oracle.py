"""The engine against a literal reading of the NetworkPolicy API, on random inputs.

The oracle below evaluates one connection at a time straight from the raw
manifests: which policies select the pods, which rules match the peer and
port. It shares no code with the engine. Random overlays are probed at
every port and address where an answer can change (each edge of a range or
CIDR and its neighbour), so agreement on the probes is agreement
everywhere.
"""
from __future__ import annotations

import ipaddress

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kustguard.index import Index
from kustguard.netpol.engine import Reachability
from kustguard.netpol.ipblocks import V6_OFFSET
from kustguard.netpol.model import NetworkModel
from kustguard.resources import parse_stream

NAMESPACES = ["a", "b"]
LABEL_KEYS = ["app", "tier"]
LABEL_VALUES = ["x", "y"]
PORT_NAMES = ["http", "dns"]
CIDRS = ["10.0.0.0/8", "10.1.0.0/16", "0.0.0.0/0", "192.0.2.0/24", "::/0", "2001:db8::/32"]
NUMBERS = [53, 80, 443, 8080]

# -- the oracle ---------------------------------------------------------------


def label_match(selector, labels) -> bool:
    if selector is None:
        return True
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def policy_types(spec) -> set[str]:
    if spec.get("policyTypes"):
        return set(spec["policyTypes"])
    return {"Ingress", "Egress"} if spec.get("egress") else {"Ingress"}


def ip_in(cidr: str, ip) -> bool:
    net = ipaddress.ip_network(cidr)
    return ip.version == net.version and ip in net


def peer_matches(peer, policy_ns, other, ns_labels) -> bool:
    """Does one peer match `other`: a pod dict, or an ip_address."""
    if isinstance(other, dict):
        if "ipBlock" in peer:
            return False  # the documented choice: ipBlocks never match pods
        if "namespaceSelector" in peer:
            ns_ok = label_match(peer["namespaceSelector"], ns_labels[other["ns"]])
        else:
            ns_ok = other["ns"] == policy_ns
        return ns_ok and label_match(peer.get("podSelector"), other["labels"])
    block = peer.get("ipBlock")
    if block is None:
        return False
    return ip_in(block["cidr"], other) and not any(ip_in(e, other) for e in block.get("except") or [])


def port_matches(ports, proto, number, dst) -> bool:
    if not ports:
        return True
    for entry in ports:
        if entry.get("protocol", "TCP") != proto:
            continue
        port = entry.get("port")
        if port is None:
            return True
        if isinstance(port, str):
            if isinstance(dst, dict) and dst["named"].get((port, proto)) == number:
                return True
        elif port <= number <= entry.get("endPort", port):
            return True
    return False


def direction_allows(direction, pod, other, proto, number, dst, policies, ns_labels) -> bool:
    kind = "Ingress" if direction == "ingress" else "Egress"
    peers_key = "from" if direction == "ingress" else "to"
    isolating = [p for p in policies
                 if p["ns"] == pod["ns"] and kind in policy_types(p["spec"])
                 and label_match(p["spec"]["podSelector"], pod["labels"])]
    if not isolating:
        return True
    for p in isolating:
        for rule in p["spec"].get(direction) or []:
            peers = rule.get(peers_key)
            if peers and not any(peer_matches(x, p["ns"], other, ns_labels) for x in peers):
                continue
            if port_matches(rule.get("ports"), proto, number, dst):
                return True
    return False


def oracle(src, dst, proto, number, policies, ns_labels) -> bool:
    if isinstance(dst, dict) and dst.get("serves") and (proto, number) not in dst["serves"]:
        return False
    ok = True
    if isinstance(src, dict):
        ok = direction_allows("egress", src, dst, proto, number, dst, policies, ns_labels)
    if ok and isinstance(dst, dict):
        ok = direction_allows("ingress", dst, src, proto, number, dst, policies, ns_labels)
    return ok


# -- random overlays ----------------------------------------------------------

labels_st = st.dictionaries(st.sampled_from(LABEL_KEYS), st.sampled_from(LABEL_VALUES), max_size=2)
selector_st = st.one_of(
    st.just({}),
    st.builds(lambda m: {"matchLabels": m}, labels_st),
    st.builds(lambda k, op, v: {"matchExpressions": [
        {"key": k, "operator": op, **({"values": v} if op in ("In", "NotIn") else {})}]},
        st.sampled_from(LABEL_KEYS + ["k8s-app"]),
        st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]),
        st.lists(st.sampled_from(LABEL_VALUES + ["kube-dns"]), min_size=1, max_size=2, unique=True)),
)
ns_selector_st = st.one_of(
    st.just({}),
    st.builds(lambda n: {"matchLabels": {"kubernetes.io/metadata.name": n}},
              st.sampled_from(NAMESPACES + ["kube-system"])),
    st.builds(lambda v: {"matchLabels": {"team": v}}, st.sampled_from(LABEL_VALUES)),
)
ip_block_st = st.builds(
    lambda cidr, holes: {"cidr": cidr, **({"except": holes} if holes else {})},
    st.sampled_from(CIDRS), st.lists(st.sampled_from(["10.1.0.0/16", "10.2.0.0/24"]), max_size=2,
                                     unique=True))
peer_st = st.one_of(
    st.builds(lambda s: {"podSelector": s}, selector_st),
    st.builds(lambda s: {"namespaceSelector": s}, ns_selector_st),
    st.builds(lambda n, p: {"namespaceSelector": n, "podSelector": p}, ns_selector_st, selector_st),
    st.builds(lambda b: {"ipBlock": b}, ip_block_st),
)


@st.composite
def port_entry_st(draw):
    entry = {}
    if draw(st.booleans()):
        entry["protocol"] = draw(st.sampled_from(["TCP", "UDP", "SCTP"]))
    kind = draw(st.sampled_from(["none", "number", "range", "name"]))
    if kind == "number":
        entry["port"] = draw(st.sampled_from(NUMBERS))
    elif kind == "range":
        entry["port"] = draw(st.sampled_from(NUMBERS))
        entry["endPort"] = entry["port"] + draw(st.sampled_from([0, 1, 400]))
    elif kind == "name":
        entry["port"] = draw(st.sampled_from(PORT_NAMES + ["dns-tcp"]))
    return entry


@st.composite
def rule_st(draw, peers_key):
    rule = {}
    peers = draw(st.one_of(st.none(), st.lists(peer_st, max_size=2)))
    if peers is not None:
        rule[peers_key] = peers
    ports = draw(st.one_of(st.none(), st.lists(port_entry_st(), max_size=2)))
    if ports is not None:
        rule["ports"] = ports
    return rule


@st.composite
def policy_st(draw):
    spec = {"podSelector": draw(selector_st)}
    types = draw(st.sampled_from([None, [], ["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
    if types is not None:
        spec["policyTypes"] = types
    for direction, key in (("ingress", "from"), ("egress", "to")):
        rules = draw(st.one_of(st.none(), st.lists(rule_st(key), max_size=2)))
        if rules is not None:
            spec[direction] = rules
    return {"ns": draw(st.sampled_from(NAMESPACES + ["kube-system"])), "spec": spec}


@st.composite
def pod_st(draw):
    named = {}
    for name in draw(st.lists(st.sampled_from(PORT_NAMES), max_size=2, unique=True)):
        proto = draw(st.sampled_from(["TCP", "UDP"]))
        named[(name, proto)] = draw(st.sampled_from(NUMBERS + [9000]))
    return {"ns": draw(st.sampled_from(NAMESPACES)), "labels": draw(labels_st), "named": named}


overlay_st = st.fixed_dictionaries({
    "pods": st.lists(pod_st(), min_size=1, max_size=4),
    "policies": st.lists(policy_st(), max_size=4),
    "team": st.dictionaries(st.sampled_from(NAMESPACES), st.sampled_from(LABEL_VALUES)),
})


def render(overlay) -> str:
    docs = []
    for ns, team in overlay["team"].items():
        docs.append({"apiVersion": "v1", "kind": "Namespace",
                     "metadata": {"name": ns, "labels": {"team": team}}})
    for i, pod in enumerate(overlay["pods"]):
        ports = [{"name": n, "containerPort": num, "protocol": proto}
                 for (n, proto), num in pod["named"].items()]
        docs.append({"apiVersion": "apps/v1", "kind": "Deployment",
                     "metadata": {"name": f"w{i}", "namespace": pod["ns"]},
                     "spec": {"template": {"metadata": {"labels": pod["labels"]},
                                           "spec": {"containers": [{"name": "c", "image": "i:1",
                                                                    "ports": ports}]}}}})
    for i, policy in enumerate(overlay["policies"]):
        docs.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                     "metadata": {"name": f"p{i}", "namespace": policy["ns"]},
                     "spec": policy["spec"]})
    return yaml.safe_dump_all(docs)


def probe_ports(overlay) -> list[tuple[str, int]]:
    numbers = {1, 65535, 53, 54, 52}
    for pod in overlay["pods"]:
        for number in pod["named"].values():
            numbers |= {number - 1, number, number + 1}
    for n in NUMBERS:
        numbers |= {n - 1, n, n + 1, n + 400, n + 401}
    return [(proto, n) for proto in ("TCP", "UDP", "SCTP") for n in sorted(numbers)]


def probe_addresses():
    out = []
    for cidr in CIDRS + ["10.2.0.0/24"]:
        net = ipaddress.ip_network(cidr)
        for addr in (int(net.network_address) - 1, int(net.network_address),
                     int(net.broadcast_address), int(net.broadcast_address) + 1):
            if 0 <= addr < (1 << net.max_prefixlen):
                out.append(ipaddress.ip_address(addr) if net.version == 4
                           else ipaddress.IPv6Address(addr))
    return out


def line_position(ip) -> int:
    return int(ip) + (V6_OFFSET if ip.version == 6 else 0)


def engine_world(pairs, ip, proto, number) -> bool:
    position = line_position(ip)
    for ips, ports in pairs:
        if ports.contains(proto, number) and any(lo <= position <= hi for lo, hi in ips.intervals):
            return True
    return False


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overlay_st)
def test_engine_agrees_with_the_literal_reading(overlay):
    model = NetworkModel(Index(parse_stream(render(overlay), "t", "t")))
    reach = Reachability(model)
    # The path for large egress peer sets must give the same answer.
    every_set_large = Reachability(model, spread_limit=0)
    assert [every_set_large.sources(g.index).slots for g in model.groups] == \
        [reach.sources(g.index).slots for g in model.groups]
    ns_labels = {ns: {"kubernetes.io/metadata.name": ns} for ns in NAMESPACES + ["kube-system"]}
    for ns, team in overlay["team"].items():
        ns_labels[ns]["team"] = team
    dns = {"ns": "kube-system", "labels": {"k8s-app": "kube-dns"},
           "named": {("dns", "UDP"): 53, ("dns-tcp", "TCP"): 53},
           "serves": {("UDP", 53), ("TCP", 53)}}
    pods = overlay["pods"] + [dns]
    assert [g.key for g in reach.model.groups] == \
        [f"{p['ns']}/w{i}" for i, p in enumerate(overlay["pods"])] + ["kube-system/kube-dns"]
    policies = overlay["policies"]
    probes = probe_ports(overlay)
    addresses = probe_addresses()
    for s, src in enumerate(overlay["pods"]):
        for d, dst in enumerate(pods):
            allowed = reach.allowed(s, d)
            for proto, number in probes:
                assert allowed.contains(proto, number) == oracle(
                    src, dst, proto, number, policies, ns_labels), (s, d, proto, number)
    for g, pod in enumerate(overlay["pods"]):
        inbound = reach.external(reach.from_world(g))
        outbound = reach.external(reach.to_world(g))
        for ip in addresses:
            for proto, number in probes:
                assert engine_world(inbound, ip, proto, number) == oracle(
                    ip, pod, proto, number, policies, ns_labels), ("in", g, str(ip), proto, number)
                assert engine_world(outbound, ip, proto, number) == oracle(
                    pod, ip, proto, number, policies, ns_labels), ("out", g, str(ip), proto, number)
