"""An overlay's pods, namespaces and policies, with every selector resolved.

Built once per overlay (and cached on its Index): each policy knows the pod
groups it selects, each rule the pod groups and external atoms its peers
match, each peer what it matches on its own. Everything is a bitmask, so
the engine and the checks only combine precomputed sets.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

from kustguard.index import Index
from kustguard.netpol.bitsets import first_n, members
from kustguard.netpol.ipblocks import WORLD, Atoms, IPSet, NOWHERE
from kustguard.netpol.pods import PodGroup, namespaces, pod_groups
from kustguard.netpol.policies import EGRESS, INGRESS, Peer, Policy, Rule, parse_policies
from kustguard.netpol.ports import PortSet
from kustguard.k8s.labels import Selector
from kustguard.netpol.selectors import LabelIndex


@dataclass
class BoundPeer:
    peer: Peer
    pods: int  # pod groups matched
    namespaces: int  # namespaces matched (by number); 0 for an ipBlock


@dataclass
class BoundRule:
    policy: Policy
    rule: Rule
    pods: int  # pod groups the rule's peers match (all for a peer-less rule)
    ips: IPSet  # external addresses they match (the world for a peer-less rule)
    atoms: int  # ips as atoms
    peers: tuple[BoundPeer, ...]

    def ports_to(self, group: PodGroup) -> PortSet:
        """The ports this rule allows towards a destination pod: its numbers
        plus its named ports as that pod defines them."""
        if not self.rule.named:
            return self.rule.numeric
        extra = {}
        for name, proto in self.rule.named:
            number = group.named_ports.get((name, proto))
            if number is not None:
                extra.setdefault(proto, []).append((number, number))
        return self.rule.numeric | PortSet(extra) if extra else self.rule.numeric


class NetworkModel:
    def __init__(self, index: Index) -> None:
        self.groups: list[PodGroup] = pod_groups(index)
        self.all_pods = first_n(len(self.groups))
        # Well-known pods (cluster DNS) are destinations only.
        self.sources = self.all_pods
        for g in self.groups:
            if g.well_known:
                self.sources &= ~(1 << g.index)
        self.namespace_names: list[str] = []
        ns_labels = []
        for name, labels in namespaces(index):
            self.namespace_names.append(name)
            ns_labels.append(labels)
        self.namespace_number = {n: i for i, n in enumerate(self.namespace_names)}
        self.ns_pods = [0] * len(self.namespace_names)
        for g in self.groups:
            self.ns_pods[self.namespace_number[g.namespace]] |= 1 << g.index
        self.pod_index = LabelIndex([g.labels for g in self.groups])
        self.ns_index = LabelIndex(ns_labels)
        self._pods_in: dict[int, int] = {}

        self.policies: list[Policy] = parse_policies(index)
        self.selected: list[int] = [
            self.pod_index.select(p.pod_selector) & self.pods_of_namespace(p.namespace)
            for p in self.policies
        ]
        unbound = [(p, r) for p in self.policies for r in p.ingress + p.egress]
        peer_sets = [self._bind_peers(p, r) for p, r in unbound]
        self.atoms = Atoms(ips for _, ips in peer_sets)
        self.rules: dict[tuple[int, str], list[BoundRule]] = {}
        for (policy, rule), (peers, ips) in zip(unbound, peer_sets):
            pods = self.all_pods if peers is None else _union(b.pods for b in peers)
            bound = BoundRule(policy, rule, pods, ips, self.atoms.mask(ips), peers or ())
            self.rules.setdefault((policy.index, rule.direction), []).append(bound)

    # -- lookups -------------------------------------------------------------

    def pods_of_namespace(self, name: str) -> int:
        number = self.namespace_number.get(name)
        return 0 if number is None else self.ns_pods[number]

    def pods_in(self, namespace_mask: int) -> int:
        cached = self._pods_in.get(namespace_mask)
        if cached is None:
            cached = _union(self.ns_pods[i] for i in members(namespace_mask))
            self._pods_in[namespace_mask] = cached
        return cached

    def select_namespaces(self, selector: Selector) -> int:
        return self.ns_index.select(selector)

    def rules_of(self, policy: Policy, direction: str) -> list[BoundRule]:
        return self.rules.get((policy.index, direction), [])

    def policies_selecting(self, group: int, policy_type: str) -> list[Policy]:
        bit = 1 << group
        return [p for p in self.policies
                if policy_type in p.types and self.selected[p.index] & bit]

    def isolated(self, policy_type: str) -> int:
        """Pod groups selected by at least one policy of that type."""
        return _union(self.selected[p.index] for p in self.policies if policy_type in p.types)

    def group_by_key(self, key: str) -> PodGroup | None:
        return next((g for g in self.groups if g.key == key), None)

    # -- binding -------------------------------------------------------------

    def _bind_peers(self, policy: Policy, rule: Rule) -> tuple[tuple[BoundPeer, ...] | None, IPSet]:
        if rule.peers is None:
            return None, WORLD
        bound = []
        ips = NOWHERE
        for peer in rule.peers:
            if peer.ip_block is not None:
                # Pod IPs are not known statically: an ipBlock only ever
                # matches addresses outside the cluster (see engine.py).
                bound.append(BoundPeer(peer, 0, 0))
                ips = ips | peer.ip_block
                continue
            if peer.namespace_selector is None:
                ns_mask = 1 << self.namespace_number[policy.namespace]
            else:
                ns_mask = self.select_namespaces(peer.namespace_selector)
            pods = self.pods_in(ns_mask)
            if peer.pod_selector is not None:
                pods &= self.pod_index.select(peer.pod_selector)
            bound.append(BoundPeer(peer, pods, ns_mask))
        return tuple(bound), ips


def _union(masks) -> int:
    out = 0
    for m in masks:
        out |= m
    return out


_MODELS: "weakref.WeakKeyDictionary[Index, NetworkModel]" = weakref.WeakKeyDictionary()


def model_of(index: Index) -> NetworkModel:
    """The model of an overlay, built once however many checks ask."""
    model = _MODELS.get(index)
    if model is None:
        model = NetworkModel(index)
        _MODELS[index] = model
    return model


__all__ = ["BoundPeer", "BoundRule", "NetworkModel", "model_of", "INGRESS", "EGRESS"]
