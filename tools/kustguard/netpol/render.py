"""The reachability of an overlay as text, a markdown matrix, or a DOT graph.

Endpoints: workloads as `namespace/name`, the cluster DNS as
`kube-system/kube-dns`, external addresses as `world` or their CIDRs.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kustguard.netpol.engine import Reachability
from kustguard.netpol.intents import Intent, Violation
from kustguard.netpol.ports import PortSet


@dataclass(frozen=True, order=True)
class Connection:
    src: str
    dst: str
    ports: PortSet
    external: str = ""  # "", "in" (from external addresses) or "out" (to them)


def connections(reach: Reachability) -> list[Connection]:
    groups = reach.model.groups
    out = [Connection(groups[s].key, groups[d].key, ports) for s, d, ports in reach.pod_connections()]
    for direction, g, ips, ports in reach.world_connections():
        if direction == "in":
            out.append(Connection(ips.describe(), groups[g].key, ports, "in"))
        else:
            out.append(Connection(groups[g].key, ips.describe(), ports, "out"))
    return sorted(out, key=lambda c: (c.external == "in", c.src, c.external == "out", c.dst))


IntentResults = list[tuple[Intent, list[Violation]]]


def _isolation(reach: Reachability) -> list[tuple[str, str, str]]:
    """(workload, ingress state, egress state) per workload."""
    model = reach.model
    rows = []
    for g in model.groups:
        if g.well_known:
            continue
        states = []
        for ids in (reach.ingress_policies[g.index], reach.egress_policies[g.index]):
            names = ", ".join(model.policies[i].key for i in ids)
            states.append(f"isolated by {names}" if ids else "open (no policy)")
        rows.append((g.key, states[0], states[1]))
    return sorted(rows)


def _replicas(reach: Reachability) -> dict[str, PortSet]:
    groups = reach.model.groups
    return dict(sorted((groups[g].key, ports) for g, ports in reach.replica_connections()))


def _header(reach: Reachability, name: str) -> str:
    model = reach.model
    workloads = sum(1 for g in model.groups if not g.well_known)
    return (f"Reachability of {name}: {workloads} workloads, {len(model.policies)} NetworkPolicies")


NOTE = ("world = every external address (IPv4 and IPv6); ipBlock peers never match pods; "
        "kube-system/kube-dns is the cluster DNS, modelled (53/UDP, 53/TCP)")


def render_text(reach: Reachability, name: str, intents: IntentResults | None = None) -> str:
    lines = [_header(reach, name), f"({NOTE})", "", "Allowed connections:"]
    conns = connections(reach)
    width = max((len(f"{c.src} -> {c.dst}") for c in conns), default=0)
    for c in conns:
        lines.append(f"  {f'{c.src} -> {c.dst}':<{width}}  {c.ports.describe()}")
    if not conns:
        lines.append("  none")
    replicas = _replicas(reach)
    if replicas:
        lines += ["", "Between replicas of one workload:"]
        width = max(len(key) for key in replicas)
        lines += [f"  {key:<{width}}  {ports.describe()}" for key, ports in replicas.items()]
    lines += ["", "Isolation:"]
    for key, ingress, egress in _isolation(reach):
        lines.append(f"  {key}: ingress {ingress}; egress {egress}")
    if intents:
        lines += ["", "Intents:"]
        for intent, violations in intents:
            lines.append(f"  {'ok  ' if not violations else 'FAIL'} {intent.name}")
            lines += [f"       {v.message}" for v in violations]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(reach: Reachability, name: str, intents: IntentResults | None = None) -> str:
    conns = connections(reach)
    cells = {(c.src, c.dst): c.ports.describe() for c in conns}
    cells.update({(key, key): ports.describe() for key, ports in _replicas(reach).items()})
    model = reach.model
    workloads = sorted(g.key for g in model.groups if not g.well_known)
    targets = workloads + sorted(g.key for g in model.groups if g.well_known)
    rows = workloads + sorted({c.src for c in conns if c.external == "in"})
    cols = targets + sorted({c.dst for c in conns if c.external == "out"})
    out = [f"## {_header(reach, name)}", "", f"_{NOTE}._", "",
           "Rows are sources, columns destinations; a cell lists the allowed ports "
           "(on the diagonal: between replicas of the workload).", ""]
    out.append("| from \\ to | " + " | ".join(f"`{_cell(c)}`" for c in cols) + " |")
    out.append("|---|" + "---|" * len(cols))
    for row in rows:
        values = [_cell(cells.get((row, col), "—")) for col in cols]
        out.append(f"| `{_cell(row)}` | " + " | ".join(values) + " |")
    out += ["", "| workload | ingress | egress |", "|---|---|---|"]
    for key, ingress, egress in _isolation(reach):
        out.append(f"| `{key}` | {ingress} | {egress} |")
    if intents:
        out += ["", "| intent | result |", "|---|---|"]
        for intent, violations in intents:
            result = "holds" if not violations else "<br>".join(_cell(v.message) for v in violations)
            out.append(f"| {_cell(intent.name)} | {result} |")
    return "\n".join(out) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(reach: Reachability, name: str, intents: IntentResults | None = None) -> str:
    model = reach.model
    conns = connections(reach)
    out = ["digraph reachability {", f"  label={_quote(_header(reach, name))};",
           "  rankdir=LR;", "  node [shape=box];"]
    namespaces = sorted({g.namespace for g in model.groups})
    for i, namespace in enumerate(namespaces):
        out.append(f"  subgraph cluster_{i} {{")
        out.append(f"    label={_quote(namespace)};")
        for g in sorted((g for g in model.groups if g.namespace == namespace), key=lambda g: g.key):
            style = ", style=dashed" if g.well_known else ""
            out.append(f"    {_quote(g.key)} [label={_quote(g.name)}{style}];")
        out.append("  }")
    external = sorted({c.src for c in conns if c.external == "in"}
                      | {c.dst for c in conns if c.external == "out"})
    for node in external:
        out.append(f"  {_quote(node)} [shape=ellipse, style=dashed];")
    for c in conns:
        out.append(f"  {_quote(c.src)} -> {_quote(c.dst)} [label={_quote(c.ports.describe())}];")
    for key, ports in _replicas(reach).items():
        out.append(f"  {_quote(key)} -> {_quote(key)} [label={_quote(ports.describe())}, style=dotted];")
    out.append("}")
    return "\n".join(out) + "\n"


FORMATS: dict[str, Callable[..., str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "dot": render_dot,
}
