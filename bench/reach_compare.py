"""Compare the connectivity two tools print for the same NetworkPolicy corpus.

Ours: `kustguard explain -f STREAM --format text` ("Allowed connections:"
lines `src -> dst  ports`). netpol-analyzer: `netpolicy list -o json`
(`[{"src", "dst", "conn"}]`, workloads as `ns/name[Kind]`).

Both are reduced to one canonical set: (source workload, destination
workload) -> {protocol: port ranges}, workload to workload only. Left out on
both sides, because the two tools model them differently on purpose: the
cluster DNS (ours models kube-dns as a destination; netpol-analyzer has no
such pod), external addresses (ours: IPv4 and IPv6 `world`; theirs: IPv4
ranges), and a workload's connections to its own replicas.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

MAX_PORT = 65535
PROTOCOLS = ("TCP", "UDP", "SCTP")
Ports = tuple[tuple[str, tuple[tuple[int, int], ...]], ...]

_LINE = re.compile(r"^\s+(\S+) -> (\S+)\s+(.+?)\s*$")
_KIND = re.compile(r"\[[^\]]+\]$")


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((lo, hi) for lo, hi in out)


def _canon(by_proto: dict[str, list[tuple[int, int]]]) -> Ports:
    return tuple((p, _merge(by_proto[p])) for p in PROTOCOLS if by_proto.get(p))


def _range(text: str) -> tuple[int, int]:
    if text == "all":
        return 1, MAX_PORT
    lo, _, hi = text.partition("-")
    return int(lo), int(hi or lo)


def ours_ports(text: str) -> Ports:
    """'all' | 'none' | 'TCP 80, 8000-8080; UDP 53' | 'TCP all'."""
    if text == "all":
        return _canon({p: [(1, MAX_PORT)] for p in PROTOCOLS})
    out: dict[str, list[tuple[int, int]]] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part or part == "none":
            continue
        proto, _, ranges = part.partition(" ")
        out.setdefault(proto, []).extend(_range(r.strip()) for r in ranges.split(","))
    return _canon(out)


def theirs_ports(text: str) -> Ports:
    """'All Connections' | 'No Connections' | 'TCP 80,8000-8080,UDP 53'."""
    text = text.strip()
    if text == "All Connections":
        return _canon({p: [(1, MAX_PORT)] for p in PROTOCOLS})
    out: dict[str, list[tuple[int, int]]] = {}
    proto = None
    for token in text.replace(";", ",").split(","):
        token = token.strip()
        if not token or token == "No Connections":
            continue
        if " " in token:
            proto, _, token = token.partition(" ")
        elif token.upper() in PROTOCOLS:
            proto, token = token.upper(), "all"
        if proto is None:
            raise ValueError(f"cannot read netpol-analyzer connection {text!r}")
        out.setdefault(proto.upper(), []).append(_range(token.strip()))
    return _canon(out)


def ours(text: str, workloads: set[str]) -> dict[tuple[str, str], Ports]:
    out: dict[tuple[str, str], Ports] = {}
    inside = False
    for line in text.splitlines():
        if line.startswith("Allowed connections:"):
            inside = True
            continue
        if inside and not line.strip():
            break
        m = _LINE.match(line) if inside else None
        if not m:
            continue
        src, dst, ports = m.groups()
        if src in workloads and dst in workloads and src != dst:
            canon = ours_ports(ports)
            if canon:
                out[(src, dst)] = canon
    return out


def theirs(text: str, workloads: set[str]) -> dict[tuple[str, str], Ports]:
    out: dict[tuple[str, str], Ports] = {}
    for row in json.loads(text or "[]"):
        src = _KIND.sub("", row["src"])
        dst = _KIND.sub("", row["dst"])
        if src in workloads and dst in workloads and src != dst:
            canon = theirs_ports(row["conn"])
            if canon:
                out[(src, dst)] = canon
    return out


def workloads_of(groups) -> set[str]:
    return {f"{o['metadata']['namespace']}/{o['metadata']['name']}"
            for _, objs in groups for o in objs if o["kind"] == "Deployment"}


def compare(ours_text: str, theirs_text: str, workloads: set[str]) -> dict:
    a = ours(ours_text, workloads)
    b = theirs(theirs_text, workloads)
    only_a = sorted(set(a) - set(b))
    only_b = sorted(set(b) - set(a))
    differ = sorted(k for k in set(a) & set(b) if a[k] != b[k])
    example = None
    for k in (only_a or only_b or differ)[:1]:
        example = {"pair": list(k), "ours": a.get(k), "theirs": b.get(k)}
    return {"identical": not (only_a or only_b or differ), "pairs_ours": len(a),
            "pairs_theirs": len(b), "only_ours": len(only_a), "only_theirs": len(only_b),
            "ports_differ": len(differ), "example": example}


if __name__ == "__main__":  # python bench/reach_compare.py OURS.txt THEIRS.json STREAM.yaml
    import sys

    import yaml

    docs = list(yaml.safe_load_all(Path(sys.argv[3]).read_text()))
    names = workloads_of([("", [d for d in docs if d])])
    print(json.dumps(compare(Path(sys.argv[1]).read_text(), Path(sys.argv[2]).read_text(), names),
                     indent=1))
