"""NetworkPolicy objects parsed into rules, with the API's defaults applied.

Defaults and readings, as the networking/v1 API defines them:
- policyTypes absent or empty: Ingress always, plus Egress when `egress`
  holds at least one rule (`egress: []` does not make a policy an egress
  policy);
- rules of a direction the policy's types leave out are ignored;
- `from`/`to` absent or empty: every peer (pods anywhere and every address);
- `ports` absent or empty: every port of every protocol; an entry without
  `port` is every port of its protocol; protocol defaults to TCP;
- a peer with only podSelector means pods of the policy's own namespace;
  namespaceSelector and podSelector in one peer must both match.

A policy the API server would refuse (a peer with nothing in it, ipBlock
next to a selector, a bad CIDR, endPort on a named port...) is bad input:
InputError, naming the object and field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kustguard.errors import InputError
from kustguard.index import Index
from kustguard.netpol.ipblocks import IPSet
from kustguard.netpol.ports import ALL_PORTS, MAX_PORT, MIN_PORT, PROTOCOLS, PortSet
from kustguard.k8s.labels import Selector, SelectorError, parse_selector
from kustguard.resources import FieldPath, Resource, format_field

INGRESS = "Ingress"
EGRESS = "Egress"
# IANA service name: up to 15 lowercase letters, digits and inner hyphens, one letter at least.
PORT_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$")


@dataclass(slots=True)
class Peer:
    path: FieldPath
    pod_selector: Selector | None = None
    namespace_selector: Selector | None = None
    ip_block: IPSet | None = None
    ip_text: str = ""

    def describe(self, policy_namespace: str) -> str:
        if self.ip_block is not None:
            return f"ipBlock {self.ip_text}"
        if self.namespace_selector is None:
            pods = self.pod_selector.describe() if self.pod_selector else "{}"
            return f"pods {pods} in namespace {policy_namespace}"
        ns = self.namespace_selector.describe()
        pods = self.pod_selector.describe() if self.pod_selector else "{}"
        return f"pods {pods} in namespaces {ns}"


@dataclass(slots=True)
class Rule:
    direction: str  # "ingress" or "egress"
    index: int
    path: FieldPath
    peers: tuple[Peer, ...] | None  # None: every peer
    numeric: PortSet  # ports given by number (all of them when `ports` is empty)
    named: tuple[tuple[str, str], ...]  # (name, protocol), resolved on the destination pod

    @property
    def label(self) -> str:
        return f"{self.direction}[{self.index}]"


@dataclass
class Policy:
    index: int
    resource: Resource
    namespace: str
    name: str
    pod_selector: Selector
    types: frozenset[str]
    ingress: tuple[Rule, ...]
    egress: tuple[Rule, ...]

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def rules(self, direction: str) -> tuple[Rule, ...]:
        return self.ingress if direction == "ingress" else self.egress


class _Invalid(Exception):
    def __init__(self, message: str, path: FieldPath, hint: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.hint = hint


def parse_policies(index: Index) -> list[Policy]:
    out = []
    for res in index.of_kind("NetworkPolicy"):
        if not res.api_version.startswith("networking.k8s.io/"):
            continue
        try:
            out.append(_parse_policy(len(out), res, index.namespace_of(res)))
        except _Invalid as exc:
            file, line = res.location(exc.path)
            where = format_field(exc.path)
            raise InputError(
                f"NetworkPolicy {index.namespace_of(res)}/{res.name}: {where}: {exc}",
                file or None, line or None, exc.hint or "the API server would refuse it",
            ) from None
    return out


def _selector(raw: Any, path: FieldPath) -> Selector:
    try:
        return parse_selector(raw)
    except SelectorError as exc:
        raise _Invalid(str(exc), path + exc.path) from None


def _policy_types(spec: dict) -> frozenset[str]:
    raw = spec.get("policyTypes")
    if not raw:
        egress = spec.get("egress")
        has_egress = isinstance(egress, list) and len(egress) > 0
        return frozenset({INGRESS, EGRESS} if has_egress else {INGRESS})
    if not isinstance(raw, list):
        raise _Invalid("policyTypes must be a list", ("spec", "policyTypes"))
    for i, value in enumerate(raw):
        if value not in (INGRESS, EGRESS):
            raise _Invalid(f"policy type {value!r} is neither Ingress nor Egress",
                           ("spec", "policyTypes", i))
    return frozenset(raw)


def _parse_policy(number: int, res: Resource, namespace: str) -> Policy:
    spec = res.get("spec")
    if not isinstance(spec, dict):
        raise _Invalid("a NetworkPolicy needs a spec", ())
    if "podSelector" not in spec:
        raise _Invalid("spec.podSelector is required (use {} for every pod)", ("spec",))
    selector = _selector(spec.get("podSelector"), ("spec", "podSelector"))
    types = _policy_types(spec)
    rules = {}
    for direction, kind, peers_key in (("ingress", INGRESS, "from"), ("egress", EGRESS, "to")):
        raw = spec.get(direction)
        if kind not in types or raw is None:
            rules[direction] = ()
            continue
        if not isinstance(raw, list):
            raise _Invalid(f"{direction} must be a list of rules", ("spec", direction))
        rules[direction] = tuple(
            _parse_rule(direction, i, r, ("spec", direction, i), peers_key)
            for i, r in enumerate(raw))
    return Policy(number, res, namespace, res.name, selector, types,
                  rules["ingress"], rules["egress"])


def _parse_rule(direction: str, number: int, raw: Any, path: FieldPath, peers_key: str) -> Rule:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _Invalid("a rule must be a mapping", path)
    raw_peers = raw.get(peers_key)
    peers = None
    if raw_peers:
        if not isinstance(raw_peers, list):
            raise _Invalid(f"{peers_key} must be a list", path + (peers_key,))
        peers = tuple(_parse_peer(p, path + (peers_key, i)) for i, p in enumerate(raw_peers))
    numeric, named = _parse_ports(raw.get("ports"), path + ("ports",))
    return Rule(direction, number, path, peers, numeric, named)


def _parse_peer(raw: Any, path: FieldPath) -> Peer:
    if isinstance(raw, dict):
        # A null selector is an absent one (a nil pointer in the API), not `{}`.
        raw = {k: v for k, v in raw.items() if v is not None}
    if not isinstance(raw, dict) or not raw:
        raise _Invalid("a peer needs podSelector, namespaceSelector or ipBlock", path)
    unknown = set(raw) - {"podSelector", "namespaceSelector", "ipBlock"}
    if unknown:
        raise _Invalid(f"unknown peer field {sorted(unknown)[0]!r}", path)
    if "ipBlock" in raw:
        if len(raw) > 1:
            raise _Invalid("ipBlock cannot be combined with a selector in one peer", path)
        return _parse_ip_block(raw["ipBlock"], path)
    pods = _selector(raw["podSelector"], path + ("podSelector",)) if "podSelector" in raw else None
    namespaces = (_selector(raw["namespaceSelector"], path + ("namespaceSelector",))
                  if "namespaceSelector" in raw else None)
    return Peer(path, pod_selector=pods, namespace_selector=namespaces)


def _parse_ip_block(raw: Any, path: FieldPath) -> Peer:
    where = path + ("ipBlock",)
    if not isinstance(raw, dict) or not raw.get("cidr"):
        raise _Invalid("ipBlock needs a cidr", where)
    excepts = raw.get("except") or []
    if not isinstance(excepts, list):
        raise _Invalid("except must be a list of CIDRs", where + ("except",))
    try:
        block = IPSet.parse(str(raw["cidr"]))
    except ValueError:
        raise _Invalid(f"cidr {raw['cidr']!r} is not a CIDR", where + ("cidr",)) from None
    for i, hole in enumerate(excepts):
        try:
            block = block - IPSet.parse(str(hole))
        except ValueError:
            raise _Invalid(f"except {hole!r} is not a CIDR", where + ("except", i)) from None
    text = str(raw["cidr"]) + (f" except {', '.join(map(str, excepts))}" if excepts else "")
    return Peer(path, ip_block=block, ip_text=text)


def _parse_ports(raw: Any, path: FieldPath) -> tuple[PortSet, tuple[tuple[str, str], ...]]:
    if not raw:
        return ALL_PORTS, ()
    if not isinstance(raw, list):
        raise _Invalid("ports must be a list", path)
    ranges: dict[str, list[tuple[int, int]]] = {}
    named = []
    for i, entry in enumerate(raw):
        where = path + (i,)
        entry = entry or {}
        if not isinstance(entry, dict):
            raise _Invalid("a port entry must be a mapping", where)
        proto = entry.get("protocol") or "TCP"
        if proto not in PROTOCOLS:
            raise _Invalid(f"protocol {proto!r} is not one of {', '.join(PROTOCOLS)}",
                           where + ("protocol",))
        port, end = entry.get("port"), entry.get("endPort")
        if port is None:
            if end is not None:
                raise _Invalid("endPort needs a numeric port", where + ("endPort",))
            ranges.setdefault(proto, []).append((MIN_PORT, MAX_PORT))
        elif isinstance(port, str):
            if not PORT_NAME.match(port):
                hint = ("a quoted number is read as a port name; write the number unquoted"
                        if port.isdigit() else "a port name is a lowercase IANA service name")
                raise _Invalid(f"port {port!r} is not a valid port name", where + ("port",), hint)
            if end is not None:
                raise _Invalid("endPort cannot go with a named port", where + ("endPort",))
            named.append((port, proto))
        elif isinstance(port, int) and not isinstance(port, bool) and MIN_PORT <= port <= MAX_PORT:
            top = port
            if end is not None:
                if not isinstance(end, int) or isinstance(end, bool) or not port <= end <= MAX_PORT:
                    raise _Invalid(f"endPort {end!r} must be a number from {port} to {MAX_PORT}",
                                   where + ("endPort",))
                top = end
            ranges.setdefault(proto, []).append((port, top))
        else:
            raise _Invalid(f"port {port!r} must be 1-65535 or a port name", where + ("port",))
    return PortSet(ranges), tuple(dict.fromkeys(named))
