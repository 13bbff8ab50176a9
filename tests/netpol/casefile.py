"""Reachability cases: hand-written manifests with the exact expected result.

A case file holds:

    description: what the case pins down, with the rule it comes from
    namespaces: {b: {team: x}}            # Namespace objects with labels
    workloads:                            # one Deployment each unless kind says
      - {name: a/web, labels: {app: web}, ports: [{name: http, containerPort: 8080}]}
    policies:                             # NetworkPolicy specs by namespace/name
      a/deny: {podSelector: {}}
    manifests: [...]                      # any other objects, in full
    expect:                               # every allowed connection, nothing else
      - a/web -> a/db:5432/TCP
      - world -> a/web:*
      - 10.0.0.0/8 except 10.1.0.0/16 -> a/web:80-90/TCP,53/UDP

An endpoint is a workload `namespace/name`, `world` (every external
address) or external addresses: CIDRs joined by `+`, each optionally with
`except CIDR, CIDR`. Ports: `*` (everything), `N/PROTO`, `N-M/PROTO` or
`*/PROTO`, comma-separated. Connections of a workload to itself are not
listed.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from kustguard.netpol.engine import group_external
from kustguard.netpol.ipblocks import WORLD, IPSet
from kustguard.netpol.ports import ALL_PORTS, PortSet

CASES = Path(__file__).parent / "cases"

Expected = tuple[dict[tuple[str, str], PortSet], dict[tuple[str, str], dict[IPSet, PortSet]]]


def _workload(spec: dict) -> dict:
    namespace, name = spec["name"].split("/")
    kind = spec.get("kind", "Deployment")
    pod = {
        "metadata": {"labels": spec.get("labels") or {}},
        "spec": {"containers": [{"name": "main", "image": "example:1",
                                 "ports": spec.get("ports") or []}]},
    }
    if not spec.get("labels"):
        del pod["metadata"]["labels"]
    meta = {"name": name, "namespace": namespace}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod",
                "metadata": {**meta, **pod["metadata"]}, "spec": pod["spec"]}
    if kind == "CronJob":
        return {"apiVersion": "batch/v1", "kind": kind, "metadata": meta,
                "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": pod}}}}
    api = "batch/v1" if kind == "Job" else "apps/v1"
    return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": {"template": pod}}


def manifests(case: dict) -> str:
    objects = []
    for name, labels in (case.get("namespaces") or {}).items():
        objects.append({"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": name, "labels": labels or {}}})
    objects += [_workload(w) for w in case.get("workloads") or []]
    for ref, spec in (case.get("policies") or {}).items():
        namespace, name = ref.split("/")
        objects.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                        "metadata": {"name": name, "namespace": namespace}, "spec": spec})
    objects += case.get("manifests") or []
    return yaml.safe_dump_all(objects, sort_keys=False)


def parse_ports(text: str) -> PortSet:
    out = PortSet()
    for part in text.split(","):
        part = part.strip()
        if part == "*":
            out = out | ALL_PORTS
            continue
        numbers, proto = part.split("/")
        if numbers == "*":
            out = out | PortSet.whole(proto)
        else:
            lo, _, hi = numbers.partition("-")
            out = out | PortSet.of(proto, int(lo), int(hi or lo))
    return out


def parse_addresses(text: str) -> IPSet | None:
    """External addresses, or None when text names a workload."""
    text = text.strip()
    if text == "world":
        return WORLD
    if "/" in text and ("." in text.split("/")[0] or ":" in text):
        out = IPSet()
        for term in text.split("+"):
            base, _, holes = term.partition(" except ")
            block = WORLD if base.strip() == "world" else IPSet.parse(base)
            for hole in filter(None, (h.strip() for h in holes.split(","))):
                block = block - IPSet.parse(hole)
            out = out | block
        return out
    return None


def expectations(lines: list[str]) -> Expected:
    pods: dict[tuple[str, str], PortSet] = {}
    external: dict[tuple[str, str], list] = {}
    for line in lines:
        src, arrow, rest = line.partition(" -> ")
        assert arrow, f"no ' -> ' in {line!r}"
        dst, _, ports_text = rest.rpartition(":")
        ports = parse_ports(ports_text)
        src_ips, dst_ips = parse_addresses(src), parse_addresses(dst)
        if src_ips is not None:
            external.setdefault(("in", dst.strip()), []).append((src_ips, ports))
        elif dst_ips is not None:
            external.setdefault(("out", src.strip()), []).append((dst_ips, ports))
        else:
            key = (src.strip(), dst.strip())
            pods[key] = pods.get(key, PortSet()) | ports
    return pods, {k: group_external(v) for k, v in external.items()}


def actual(reach) -> Expected:
    groups = reach.model.groups
    pods = {(groups[s].key, groups[d].key): ports for s, d, ports in reach.pod_connections()}
    external: dict[tuple[str, str], list] = {}
    for direction, g, ips, ports in reach.world_connections():
        external.setdefault((direction, groups[g].key), []).append((ips, ports))
    return pods, {k: group_external(v) for k, v in external.items()}


def describe(result: Expected) -> list[str]:
    """The result spelled as sorted expect lines, for readable diffs."""
    pods, external = result
    lines = []
    for (src, dst), ports in pods.items():
        lines.append(f"{src} -> {dst}:{spell_ports(ports)}")
    for (direction, key), by_ips in external.items():
        for ips, ports in by_ips.items():
            if direction == "in":
                lines.append(f"{ips.describe()} -> {key}:{spell_ports(ports)}")
            else:
                lines.append(f"{key} -> {ips.describe()}:{spell_ports(ports)}")
    return sorted(lines)


def spell_ports(ports: PortSet) -> str:
    if ports == ALL_PORTS:
        return "*"
    out = []
    for proto, lo, hi in ports.items():
        if (lo, hi) == (1, 65535):
            out.append(f"*/{proto}")
        else:
            out.append(f"{lo}/{proto}" if lo == hi else f"{lo}-{hi}/{proto}")
    return ",".join(out)
