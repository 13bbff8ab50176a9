"""Reachability intents: what an environment says must (not) be reachable.

Declared under `intents:` in a component's `intents.yaml` (or an
environment's `overlays/<env>/environment.yaml`; see environment.py):

    intents:
      - name: only todo reaches mysql
        to: {namespace: todo, pods: {app: mysql}}
        port: 3306                      # protocol defaults to TCP
        only-from: [{namespace: todo, pods: {app: todo}}]
      - name: todo is open to all on 8080
        to: {namespace: todo, workload: todo}
        port: 8080
        open-to-all: true
      - name: mysql has no internet
        from: {namespace: todo, pods: {app: mysql}}
        to: world
        expect: deny                   # or allow

An endpoint is `world` (every external address), `{cidr: ...}` (some
external addresses; a CIDR or a list) or workloads: any of `namespace`,
`pods` (labels the pod template must carry) and `workload` (its name);
`{}` is every workload. Ports: `port: 443`, `port: 8000-8100`, or
`ports: [...]`, with `protocol` (TCP when omitted); without a port the
intent is about every port (of the protocol, if one is given).

Kinds (exactly one per intent):
- `expect: allow`: every `from` may reach every `to` on every listed port
  (a workload on both ends: its replicas reach each other);
- `expect: deny`: none of them may, on any listed port;
- `only-from: [...]`: no workload of the overlay and no external address
  outside the list may reach `to` on a listed port (a workload reaching
  itself does not count);
- `open-to-all: true`: every workload and every external address may.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kustguard.errors import InputError
from kustguard.netpol.bitsets import members
from kustguard.netpol.engine import Reachability
from kustguard.netpol.ipblocks import WORLD, IPSet
from kustguard.netpol.ports import ALL_PORTS, MAX_PORT, MIN_PORT, PROTOCOLS, PortMap, PortSet
from kustguard.netpol.trace import why_allowed, why_denied

KINDS = ("expect", "only-from", "open-to-all")
KEYS = {"name", "from", "to", "port", "ports", "protocol", *KINDS}
ENDPOINT_KEYS = {"namespace", "pods", "workload", "cidr"}
PORT_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")
HINT = "see docs/netpol.md for the intent format"


@dataclass(frozen=True)
class EndpointSpec:
    text: str
    namespace: str | None = None
    pods: tuple[tuple[str, str], ...] = ()
    workload: str | None = None
    addresses: IPSet | None = None  # set: external addresses, not workloads

    @property
    def external(self) -> bool:
        return self.addresses is not None


@dataclass
class Intent:
    number: int  # 1-based position in the list
    name: str
    kind: str  # allow, deny, only-from, open-to-all
    to: EndpointSpec
    ports: PortSet
    source: EndpointSpec | None = None
    only_from: list[EndpointSpec] = field(default_factory=list)
    line: int = 0


@dataclass
class Violation:
    intent: Intent
    message: str


# -- parsing ---------------------------------------------------------------


def intent_lines(path: Path | None) -> list[int]:
    """The line of each entry under `intents:` in environment.yaml."""
    if path is None:
        return []
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"),
                            Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "intents" \
                and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def parse_intents(raw: list[Any], path: Path | None = None) -> list[Intent]:
    lines = intent_lines(path)
    out = []
    if not isinstance(raw, list):
        raise InputError("intents must be a list", path, None, HINT)
    for i, entry in enumerate(raw):
        line = lines[i] if i < len(lines) else 0
        name = entry.get("name") if isinstance(entry, dict) else None
        label = f"intent {i + 1}" + (f" ({name!r})" if name else "")
        try:
            out.append(_parse_intent(i + 1, entry, line))
        except ValueError as exc:
            raise InputError(f"{label}: {exc}", path, line or None, HINT) from None
    return out


def _parse_intent(number: int, raw: Any, line: int) -> Intent:
    if not isinstance(raw, dict):
        raise ValueError("an intent must be a mapping")
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(KEYS))})")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("needs a name")
    kinds = [k for k in KINDS if k in raw]
    if len(kinds) != 1:
        raise ValueError("needs exactly one of expect (allow/deny), only-from, open-to-all")
    if "to" not in raw:
        raise ValueError("needs `to`")
    to = parse_endpoint(raw["to"], "to")
    ports = parse_ports(raw)
    intent = Intent(number, name.strip(), "", to, ports, line=line)
    if kinds[0] == "expect":
        if raw["expect"] not in ("allow", "deny"):
            raise ValueError(f"expect must be allow or deny, not {raw['expect']!r}")
        if "from" not in raw:
            raise ValueError("expect needs `from`")
        intent.kind = raw["expect"]
        intent.source = parse_endpoint(raw["from"], "from")
        if intent.source.external and to.external:
            raise ValueError("`from` and `to` cannot both be external addresses")
        return intent
    if "from" in raw:
        raise ValueError(f"{kinds[0]} names its sources itself; drop `from`")
    if to.external:
        raise ValueError(f"{kinds[0]} needs workloads in `to`, not external addresses")
    if kinds[0] == "open-to-all":
        if raw["open-to-all"] is not True:
            raise ValueError("open-to-all must be true")
        intent.kind = "open-to-all"
        return intent
    sources = raw["only-from"]
    if not isinstance(sources, list):
        raise ValueError("only-from must be a list of endpoints ([] for nobody)")
    intent.kind = "only-from"
    intent.only_from = [parse_endpoint(s, f"only-from[{i}]") for i, s in enumerate(sources)]
    return intent


def parse_endpoint(raw: Any, where: str) -> EndpointSpec:
    if raw == "world":
        return EndpointSpec("world", addresses=WORLD)
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must be `world` or a mapping of namespace/pods/workload/cidr")
    unknown = sorted(set(raw) - ENDPOINT_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r} "
                         f"(known: {', '.join(sorted(ENDPOINT_KEYS))})")
    if "cidr" in raw:
        if len(raw) > 1:
            raise ValueError(f"{where}: cidr stands alone (external addresses are not workloads)")
        cidrs = raw["cidr"] if isinstance(raw["cidr"], list) else [raw["cidr"]]
        addresses = IPSet()
        for cidr in cidrs:
            try:
                addresses = addresses | IPSet.parse(str(cidr))
            except ValueError:
                raise ValueError(f"{where}: {cidr!r} is not a CIDR") from None
        return EndpointSpec(addresses.describe(), addresses=addresses)
    for key in ("namespace", "workload"):
        if key in raw and (not isinstance(raw[key], str) or not raw[key]):
            raise ValueError(f"{where}: {key} must be a name")
    pods = raw.get("pods") or {}
    if not isinstance(pods, dict):
        raise ValueError(f"{where}: pods must be a mapping of labels")
    parts = []
    if raw.get("namespace"):
        parts.append(f"namespace {raw['namespace']}")
    if raw.get("workload"):
        parts.append(f"workload {raw['workload']}")
    if pods:
        parts.append("pods " + ",".join(f"{k}={v}" for k, v in pods.items()))
    return EndpointSpec(" ".join(parts) or "every workload", namespace=raw.get("namespace"),
                        pods=tuple(sorted((str(k), str(v)) for k, v in pods.items())),
                        workload=raw.get("workload"))


def _port_range(value: Any) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool):
        lo = hi = value
    else:
        match = PORT_RANGE.match(str(value))
        if not match:
            raise ValueError(f"port {value!r} is not a number or a range like 8000-8100")
        lo, hi = int(match[1]), int(match[2] or match[1])
    if not MIN_PORT <= lo <= hi <= MAX_PORT:
        raise ValueError(f"port {value!r} is outside {MIN_PORT}-{MAX_PORT}")
    return lo, hi


def parse_ports(raw: dict) -> PortSet:
    proto = raw.get("protocol")
    if proto is not None:
        proto = str(proto).upper()
        if proto not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}")
    if "port" in raw and "ports" in raw:
        raise ValueError("use port or ports, not both")
    values = raw.get("ports") if "ports" in raw else ([raw["port"]] if "port" in raw else None)
    if values is None:
        return PortSet.whole(proto) if proto else ALL_PORTS
    if not isinstance(values, list) or not values:
        raise ValueError("ports must be a non-empty list")
    return PortSet({proto or "TCP": [_port_range(v) for v in values]})


# -- evaluation --------------------------------------------------------------

def resolve(reach: Reachability, spec: EndpointSpec) -> int:
    """The pod groups an endpoint names (bitmask)."""
    mask = 0
    for g in reach.model.groups:
        if spec.namespace is not None and g.namespace != spec.namespace:
            continue
        if spec.workload is not None and g.name != spec.workload:
            continue
        if any(g.labels.get(k) != v for k, v in spec.pods):
            continue
        mask |= 1 << g.index
    return mask


def evaluate(intent: Intent, reach: Reachability) -> list[Violation]:
    """Every way the overlay breaks an intent (empty when it holds)."""
    targets = resolve(reach, intent.to) if not intent.to.external else 0
    if not intent.to.external and not targets:
        return [Violation(intent, f"`to` ({intent.to.text}) matches no workload in this overlay")]
    if intent.kind in ("allow", "deny"):
        return _pairwise(intent, reach, targets)
    if intent.kind == "only-from":
        return _only_from(intent, reach, targets)
    return _open_to_all(intent, reach, targets)


def _say(intent: Intent, text: str) -> Violation:
    return Violation(intent, text)


def _pairwise(intent: Intent, reach: Reachability, targets: int) -> list[Violation]:
    assert intent.source is not None
    model = reach.model
    src_spec, dst_spec = intent.source, intent.to
    sources = 0 if src_spec.external else resolve(reach, src_spec) & model.sources
    if not src_spec.external and not sources:
        return [_say(intent, f"`from` ({src_spec.text}) matches no workload in this overlay")]
    pairs: list[tuple[object, object]] = []
    if src_spec.external:
        pairs = [(src_spec.addresses, d) for d in members(targets)]
    elif dst_spec.external:
        pairs = [(s, dst_spec.addresses) for s in members(sources)]
    else:
        # A workload named on both ends counts: its replicas talk to each other.
        pairs = [(s, d) for s in members(sources) for d in members(targets)]
    out = []
    for src, dst in pairs:
        if intent.kind == "allow":
            missing = intent.ports - _allowed_for_all(reach, src, dst)
            if missing:
                out.append(_say(intent, f"{_name(reach, src)} -> {_name(reach, dst)} is denied on "
                                        f"{missing.describe()}: {why_denied(reach, src, dst, missing)}"))
        else:
            leak = intent.ports & _allowed_for_some(reach, src, dst)
            if leak:
                out.append(_say(intent, f"{_name(reach, src)} -> {_name(reach, dst)} is allowed on "
                                        f"{leak.describe()}: {why_allowed(reach, src, dst, leak)}"))
    return out


def _only_from(intent: Intent, reach: Reachability, targets: int) -> list[Violation]:
    model = reach.model
    permitted = 0
    permitted_addresses = IPSet()
    for spec in intent.only_from:
        if spec.external:
            permitted_addresses = permitted_addresses | spec.addresses
        else:
            permitted |= resolve(reach, spec)
    outsiders = WORLD - permitted_addresses
    out = []
    for dst in members(targets):
        forbidden = model.sources & ~permitted & ~(1 << dst)
        leaks = reach.sources(dst).intersect(PortMap.full(forbidden, intent.ports))
        for mask, ports in leaks.classes():
            for src in members(mask):
                out.append(_say(intent, f"{_name(reach, src)} -> {_name(reach, dst)} is allowed on "
                                        f"{ports.describe()}: {why_allowed(reach, src, dst, ports)}"))
        if outsiders:
            atoms = model.atoms.overlapping(outsiders)
            world = reach.from_world(dst).intersect(PortMap.full(atoms, intent.ports))
            for addresses, ports in reach.external(world):
                addresses = addresses & outsiders
                out.append(_say(intent, f"{addresses.describe()} -> {_name(reach, dst)} is allowed "
                                        f"on {ports.describe()}: "
                                        f"{why_allowed(reach, addresses, dst, ports)}"))
    return out


def _open_to_all(intent: Intent, reach: Reachability, targets: int) -> list[Violation]:
    model = reach.model
    out = []
    for dst in members(targets):
        others = model.sources & ~(1 << dst)
        admitted = reach.sources(dst)
        for src in members(others):
            missing = intent.ports - admitted.ports_of(src)
            if missing:
                out.append(_say(intent, f"{_name(reach, src)} -> {_name(reach, dst)} is denied on "
                                        f"{missing.describe()}: "
                                        f"{why_denied(reach, src, dst, missing)}"))
        missing = intent.ports - reach.from_world(dst).ports_of_all(model.atoms.all)
        if missing:
            out.append(_say(intent, f"world -> {_name(reach, dst)} is denied on "
                                    f"{missing.describe()}: "
                                    f"{why_denied(reach, WORLD, dst, missing)}"))
    return out


def _name(reach: Reachability, endpoint: object) -> str:
    if isinstance(endpoint, IPSet):
        return endpoint.describe()
    return reach.model.groups[endpoint].key  # type: ignore[index]


def _allowed_for_all(reach: Reachability, src: object, dst: object) -> PortSet:
    """Ports on which every address of an external end gets through."""
    model = reach.model
    if isinstance(src, IPSet):
        return reach.from_world(dst).ports_of_all(model.atoms.overlapping(src))  # type: ignore[arg-type]
    if isinstance(dst, IPSet):
        return reach.to_world(src).ports_of_all(model.atoms.overlapping(dst))  # type: ignore[arg-type]
    return reach.allowed(src, dst)  # type: ignore[arg-type]


def _allowed_for_some(reach: Reachability, src: object, dst: object) -> PortSet:
    """Ports on which at least one address of an external end gets through."""
    model = reach.model
    if isinstance(src, IPSet):
        return reach.from_world(dst).ports_of_any(model.atoms.overlapping(src))  # type: ignore[arg-type]
    if isinstance(dst, IPSet):
        return reach.to_world(src).ports_of_any(model.atoms.overlapping(dst))  # type: ignore[arg-type]
    return reach.allowed(src, dst)  # type: ignore[arg-type]
