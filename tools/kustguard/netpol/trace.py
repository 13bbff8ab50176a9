"""Why a connection is allowed or denied: the policies and rules on each side.

A connection passes the source's egress and the destination's ingress. For
each side this names what decides: no policy isolates the pod (open), or
the isolating policies and the rules of theirs that match the peer, with
the ports each one allows and where it is written.
"""
from __future__ import annotations

from dataclasses import dataclass

from kustguard.netpol.engine import Reachability
from kustguard.netpol.ipblocks import IPSet
from kustguard.netpol.model import BoundRule
from kustguard.netpol.policies import Policy
from kustguard.netpol.ports import ALL_PORTS, PortSet

# A pod group (by number) or a set of external addresses.
Endpoint = int | IPSet


@dataclass
class Side:
    direction: str  # "egress" (at the source) or "ingress" (at the destination)
    subject: str  # the pod whose policies apply
    peer: str  # the other end
    namespace: str
    isolating: list[Policy]  # empty: this side does not restrict
    rules: list[tuple[BoundRule, PortSet, IPSet | None]]  # matching rules, their ports, addresses
    allowed: PortSet  # every port this side lets through for the peer

    @property
    def open(self) -> bool:
        return not self.isolating


def endpoint_name(reach: Reachability, endpoint: Endpoint) -> str:
    if isinstance(endpoint, IPSet):
        return endpoint.describe()
    return reach.model.groups[endpoint].key


def _side(reach: Reachability, direction: str, subject: int, peer: Endpoint, dst: Endpoint) -> Side:
    model = reach.model
    ids = reach.egress_policies[subject] if direction == "egress" else reach.ingress_policies[subject]
    policies = [model.policies[i] for i in ids]
    group = model.groups[subject]
    side = Side(direction, group.key, endpoint_name(reach, peer), group.namespace, policies, [],
                ALL_PORTS if not policies else PortSet())
    for br in reach.rules_allowing(direction, subject):
        addresses = None
        if isinstance(peer, IPSet):
            addresses = br.ips & peer
            if not addresses:
                continue
        elif not br.pods >> peer & 1:
            continue
        if isinstance(dst, IPSet):
            ports = br.rule.numeric  # a name cannot be resolved on an external address
        else:
            ports = br.ports_to(model.groups[dst])
        if ports:
            side.rules.append((br, ports, addresses))
            side.allowed = side.allowed | ports
    if isinstance(peer, IPSet) and policies:
        # Only what every address of the peer gets counts as allowed.
        world = reach.to_world(subject) if direction == "egress" else reach.from_world(subject)
        side.allowed = world.ports_of_all(model.atoms.overlapping(peer))
    return side


def sides(reach: Reachability, src: Endpoint, dst: Endpoint) -> list[Side]:
    out = []
    if not isinstance(src, IPSet):
        out.append(_side(reach, "egress", src, dst, dst))
    if not isinstance(dst, IPSet):
        out.append(_side(reach, "ingress", dst, src, dst))
    return out


def where(br: BoundRule) -> str:
    file, line = br.policy.resource.location(br.rule.path)
    if not file:
        return ""
    return f" ({file}:{line})" if line else f" ({file})"


def _rule_ref(br: BoundRule, ports: PortSet, addresses: IPSet | None, peer: Endpoint) -> str:
    text = f"policy {br.policy.key} rule {br.rule.label}{where(br)} on {ports.describe()}"
    if addresses is not None and isinstance(peer, IPSet) and addresses != peer:
        text += f" for {addresses.describe()} only"
    return text


def _policy_list(policies: list[Policy]) -> str:
    names = [p.key for p in policies]
    return ("policy " if len(names) == 1 else "policies ") + ", ".join(names)


def why_allowed(reach: Reachability, src: Endpoint, dst: Endpoint, ports: PortSet) -> str:
    """How a connection on `ports` gets through, side by side."""
    parts = []
    for side in sides(reach, src, dst):
        if side.open:
            parts.append(f"{side.direction}: no {side.direction} policy selects {side.subject}"
                         f" ({side.direction} unrestricted)")
            continue
        peer = dst if side.direction == "egress" else src
        refs = [_rule_ref(br, p & ports, addresses, peer)
                for br, p, addresses in side.rules if p & ports]
        parts.append(f"{side.direction}: allowed by " + "; ".join(refs))
    return "; ".join(parts) if parts else "no policy applies to either end"


def why_denied(reach: Reachability, src: Endpoint, dst: Endpoint, ports: PortSet) -> str:
    """Which side refuses `ports`, and by which policies."""
    parts = []
    for side in sides(reach, src, dst):
        missing = ports - side.allowed
        if not missing:
            continue
        only = f" (its rules allow only {side.allowed.describe()})" if side.allowed else ""
        if side.direction == "egress":
            parts.append(
                f"egress: no egress rule of {_policy_list(side.isolating)} in namespace "
                f"{side.namespace} allows {side.peer} on {missing.describe()}{only}")
        else:
            parts.append(
                f"ingress: {side.subject} is isolated for ingress by "
                f"{_policy_list(side.isolating)} and none of their rules admits {side.peer} "
                f"on {missing.describe()}{only}")
    if not isinstance(dst, IPSet):
        group = reach.model.groups[dst]
        if group.serves is not None and ports - group.serves:
            parts.append(f"{group.key} only serves {group.serves.describe()}")
    return "; ".join(parts) if parts else "allowed"
