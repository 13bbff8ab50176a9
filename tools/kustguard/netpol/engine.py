"""Reachability: which pod group may open a connection to which, on which ports.

Semantics (networking/v1 NetworkPolicy):

- A pod is isolated for ingress when a policy of its own namespace selects
  it and has Ingress among its (defaulted) policyTypes; likewise for egress.
  A pod not isolated in a direction is unrestricted in that direction.
- An isolated pod allows what the union of the rules of every policy
  isolating it allows; a policy with no rules for the direction allows
  nothing, a rule `{}` allows everything.
- A connection from A to B on port P/proto is allowed iff A's egress allows
  it (towards B, on P) and B's ingress allows it (from A, on P).
- Named ports are resolved on the destination pod: its container port of
  that name and protocol. A destination without it is not matched by that
  entry.

Choices the API leaves to the cluster, made here:

- ipBlock vs pod IPs: pod IPs are not known statically, so an ipBlock peer
  is taken to mean addresses outside the cluster and never matches a pod,
  even if a pod's IP would fall inside its CIDR at run time. (Plugins differ
  here too; most use ipBlock for cluster-external traffic.)
- The world: any external address is a possible source and destination.
  External traffic matches ipBlock peers and peer-less rules only. Results
  for it are per address atom, so `except` holes are exact. A named port
  towards an external address cannot be resolved and matches nothing.
- The cluster DNS (see pods.py) is a destination only, serving 53/UDP and
  53/TCP; connections to it are limited to those ports.
- Traffic of a pod group to itself (one replica to another) is computed
  (`allowed(g, g)`) but left out of listings.
- Host-network pods are treated like any other pod, although the API
  leaves policy behaviour for them undefined.

Complexity: every policy's selected set and every rule's peer set is a
bitmask computed once (model.py). Per destination, the sources allowed by
ingress and the sources whose egress allows it are each a PortMap (port
ranges -> source bitmask), built from the rules involved; the answer is
their intersection. Destinations isolated by the same policies share their
ingress map. No loop ever runs over source × destination × rule.
"""
from __future__ import annotations

import weakref
from collections.abc import Iterator

from kustguard.index import Index
from kustguard.netpol.bitsets import members
from kustguard.netpol.ipblocks import Atoms, IPSet
from kustguard.netpol.model import BoundRule, NetworkModel, model_of
from kustguard.netpol.policies import EGRESS, INGRESS
from kustguard.netpol.ports import ALL_PORTS, PortMap, PortSet

# Egress peer sets larger than this are handled by destination classes
# rather than spread over each destination.
SPREAD_LIMIT = 64


class Reachability:
    def __init__(self, model: NetworkModel, spread_limit: int = SPREAD_LIMIT) -> None:
        self.model = model
        groups = model.groups
        n = len(groups)
        ingress_of: list[list[int]] = [[] for _ in range(n)]
        egress_of: list[list[int]] = [[] for _ in range(n)]
        for p in model.policies:
            for g in members(model.selected[p.index]):
                if INGRESS in p.types:
                    ingress_of[g].append(p.index)
                if EGRESS in p.types:
                    egress_of[g].append(p.index)
        self.ingress_policies = ingress_of
        self.egress_policies = egress_of
        self.ingress_isolated = sum(1 << g for g in range(n) if ingress_of[g])
        self.egress_isolated = sum(1 << g for g in range(n) if egress_of[g])

        uses_named = {p.index: any(r.named for r in p.ingress + p.egress) for p in model.policies}
        rules = model.rules_of
        policies = model.policies

        # Ingress: per destination, the sources (pods; external atoms) its
        # isolating policies admit, on which ports.
        self._ingress: list[PortMap] = []
        self._from_world: list[PortMap] = []
        shared: dict[tuple, tuple[PortMap, PortMap]] = {}
        everyone = PortMap.full(model.all_pods)
        world = PortMap.full(model.atoms.all)
        for g in groups:
            isolating = ingress_of[g.index]
            if not isolating:
                self._ingress.append(everyone)
                self._from_world.append(world)
                continue
            named = any(uses_named[i] for i in isolating)
            key = (tuple(isolating), tuple(sorted(g.named_ports.items())) if named else None)
            if key not in shared:
                bound = [br for i in isolating for br in rules(policies[i], "ingress")]
                shared[key] = (PortMap.build((br.pods, br.ports_to(g)) for br in bound),
                               PortMap.build((br.atoms, br.ports_to(g)) for br in bound))
            pods_map, world_map = shared[key]
            self._ingress.append(pods_map)
            self._from_world.append(world_map)

        # Egress towards the world, per source.
        self._to_world: list[PortMap] = []
        shared_out: dict[tuple[int, ...], PortMap] = {}
        for g in groups:
            isolating = egress_of[g.index]
            if not isolating:
                self._to_world.append(world)
                continue
            key = tuple(isolating)
            if key not in shared_out:
                shared_out[key] = PortMap.build(
                    (br.atoms, br.rule.numeric)
                    for i in isolating for br in rules(policies[i], "egress"))
            self._to_world.append(shared_out[key])

        # Egress towards pods, turned around: per destination, which sources'
        # egress rules reach it. Rules with the same peers and ports are
        # merged first (their sources OR-ed), then spread over destinations.
        merged: dict[tuple, list] = {}
        for p in model.policies:
            if EGRESS not in p.types:
                continue
            for br in rules(p, "egress"):
                key = (br.pods, br.rule.numeric, br.rule.named)
                if key in merged:
                    merged[key][0] |= model.selected[p.index]
                else:
                    merged[key] = [model.selected[p.index], br]
        entries = [e for e in merged.values() if e[0]]
        # A small peer set is spread destination by destination. A large one
        # (namespaceSelector {} and the like) would cost n appends per entry,
        # so destinations are instead split into classes reached by the same
        # large entries, and by the named ports those entries resolve on them.
        reaching: list[list] = [[] for _ in range(n)]
        large: dict[int, list[int]] = {}
        large_names: set[tuple[str, str]] = set()
        for entry_id, (_, br) in enumerate(entries):
            if br.pods.bit_count() > spread_limit:
                large.setdefault(br.pods, []).append(entry_id)
                large_names.update(br.rule.named)
            elif br.rule.named:
                for d in members(br.pods):
                    reaching[d].append((entry_id, br.ports_to(groups[d])))
            else:
                for d in members(br.pods):
                    reaching[d].append(entry_id)
        classes: list[tuple[int, tuple[int, ...]]] = [(model.all_pods, ())]
        for mask, ids in large.items():
            split = []
            for members_mask, held in classes:
                inside = members_mask & mask
                if inside:
                    split.append((inside, held + tuple(ids)))
                outside = members_mask & ~mask
                if outside:
                    split.append((outside, held))
            classes = split
        class_of = [0] * n
        for c, (members_mask, _) in enumerate(classes):
            for d in members(members_mask):
                class_of[d] = c
        names = sorted(large_names)
        free = model.sources & ~self.egress_isolated

        self._result: list[PortMap] = []
        egress_maps: dict[tuple, PortMap] = {}
        for g in groups:
            signature = tuple(g.named_ports.get(name) for name in names)
            key = (class_of[g.index], signature, tuple(reaching[g.index]))
            egress_map = egress_maps.get(key)
            if egress_map is None:
                pieces: list[tuple[int, PortSet]] = [(free, ALL_PORTS)]
                for entry_id in classes[key[0]][1]:
                    srcs, br = entries[entry_id]
                    # Same signature, same resolution: g stands for its class.
                    pieces.append((srcs, br.ports_to(g)))
                for item in key[2]:
                    if isinstance(item, tuple):
                        pieces.append((entries[item[0]][0], item[1]))
                    else:
                        pieces.append((entries[item][0], entries[item][1].rule.numeric))
                egress_map = PortMap.build(pieces)
                egress_maps[key] = egress_map
            result = self._ingress[g.index].intersect(egress_map).restrict(model.sources)
            if g.serves is not None:
                result = result.intersect(PortMap.full(model.sources, g.serves))
            self._result.append(result)

    # -- queries -------------------------------------------------------------

    def allowed(self, src: int, dst: int) -> PortSet:
        """Ports on which pod group src may connect to pod group dst."""
        return self._result[dst].ports_of(src)

    def sources(self, dst: int) -> PortMap:
        """Port ranges -> bitmask of the pod groups that may connect to dst."""
        return self._result[dst]

    def from_world(self, dst: int) -> PortMap:
        """Port ranges -> atoms of the external addresses that may connect to dst."""
        if self.model.groups[dst].well_known:
            return PortMap({})
        return self._from_world[dst]

    def to_world(self, src: int) -> PortMap:
        """Port ranges -> atoms of the external addresses src may connect to."""
        if self.model.groups[src].well_known:
            return PortMap({})
        return self._to_world[src]

    def external(self, portmap: PortMap) -> list[tuple[IPSet, PortSet]]:
        """An atom PortMap as (addresses, ports): each port appears in one pair."""
        return [(self.model.atoms.ipset(mask), ports)
                for mask, ports in by_mask(portmap).items()]

    def pod_connections(self) -> Iterator[tuple[int, int, PortSet]]:
        """(src, dst, ports) for every allowed pair of distinct pod groups."""
        for dst, result in enumerate(self._result):
            for mask, ports in result.classes():
                for src in members(mask & ~(1 << dst)):
                    yield src, dst, ports

    def replica_connections(self) -> Iterator[tuple[int, PortSet]]:
        """(group, ports) for every pod group whose replicas may reach each other."""
        for g in self.model.groups:
            if not g.well_known:
                ports = self.allowed(g.index, g.index)
                if ports:
                    yield g.index, ports

    def world_connections(self) -> Iterator[tuple[str, int, IPSet, PortSet]]:
        """('in', dst, addresses, ports) and ('out', src, addresses, ports)."""
        for g in self.model.groups:
            for ips, ports in self.external(self.from_world(g.index)):
                yield "in", g.index, ips, ports
            for ips, ports in self.external(self.to_world(g.index)):
                yield "out", g.index, ips, ports

    def rules_allowing(self, direction: str, group: int) -> list[BoundRule]:
        """The rules of the policies isolating a group in a direction."""
        ids = self.ingress_policies[group] if direction == "ingress" else self.egress_policies[group]
        out = []
        for i in ids:
            out += self.model.rules_of(self.model.policies[i], direction)
        return out


def by_mask(portmap: PortMap) -> dict[int, PortSet]:
    """The ports of each distinct mask. PortMap ranges are maximal, so this
    is the one canonical way to spell the map as (endpoints, ports) pairs."""
    ranges: dict[int, dict[str, list]] = {}
    for proto, slots in portmap.slots.items():
        for lo, hi, mask in slots:
            ranges.setdefault(mask, {}).setdefault(proto, []).append((lo, hi))
    return {mask: PortSet(by_proto) for mask, by_proto in ranges.items()}


def group_external(pairs: list[tuple[IPSet, PortSet]]) -> dict[IPSet, PortSet]:
    """Any (addresses, ports) pairs in the canonical form `external` gives."""
    atoms = Atoms(ips for ips, _ in pairs)
    portmap = PortMap.build((atoms.mask(ips), ports) for ips, ports in pairs)
    return {atoms.ipset(mask): ports for mask, ports in by_mask(portmap).items()}


_REACH: "weakref.WeakKeyDictionary[Index, Reachability]" = weakref.WeakKeyDictionary()


def reachability_of(index: Index) -> Reachability:
    """The reachability of an overlay, computed once however many callers ask."""
    reach = _REACH.get(index)
    if reach is None:
        reach = Reachability(model_of(index))
        _REACH[index] = reach
    return reach
