"""A generated overlay of many workloads and policies, for timing the engine.

    python -m tests.netpol.corpus 2000 2000   # prints timings of each stage

Namespaces of 40 workloads each, every namespace default-deny with DNS
egress, and per-workload policies mixing the usual shapes: same-namespace
pods by label, other namespaces by label, named and ranged ports, ipBlocks
with holes, egress to a tier and to every namespace.
"""
from __future__ import annotations

import random
import sys
import time

import yaml

PER_NAMESPACE = 40
TIERS = ("front", "back", "db")
TEAMS = ("red", "green", "blue", "gold", "grey")


def objects(workloads: int, policies: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    spaces = max(1, workloads // PER_NAMESPACE)
    out: list[dict] = []
    for n in range(spaces):
        out.append({"apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": f"ns{n}", "labels": {"team": TEAMS[n % len(TEAMS)]}}})
    for i in range(workloads):
        out.append({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": f"app{i}", "namespace": f"ns{i % spaces}"},
            "spec": {"template": {
                "metadata": {"labels": {"app": f"app{i}", "tier": TIERS[i % 3]}},
                "spec": {"containers": [{"name": "c", "image": "x:1", "ports": [
                    {"name": "http", "containerPort": 8080 + i % 7},
                    {"name": "metrics", "containerPort": 9100}]}]}}},
        })

    def policy(ns: int, name: str, spec: dict) -> dict:
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": name, "namespace": f"ns{ns}"}, "spec": spec}

    for n in range(spaces):
        if len(out) - spaces - workloads >= policies:
            break
        out.append(policy(n, "default-deny", {"podSelector": {},
                                              "policyTypes": ["Ingress", "Egress"]}))
        out.append(policy(n, "dns", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
            "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
            "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}]}))
    j = 0
    while len(out) - spaces - workloads < policies:
        target = rng.randrange(workloads)
        ns = target % spaces
        peer = rng.randrange(workloads)
        ingress = [
            {"from": [{"podSelector": {"matchLabels": {"tier": rng.choice(TIERS)}}}],
             "ports": [{"port": "http"}]},
            {"from": [{"namespaceSelector": {"matchLabels": {"team": rng.choice(TEAMS)}},
                       "podSelector": {"matchLabels": {"app": f"app{peer}"}}}],
             "ports": [{"port": 8000, "endPort": 8000 + rng.randrange(200)}]},
            {"from": [{"ipBlock": {"cidr": f"10.{rng.randrange(256)}.0.0/16",
                                   "except": [f"10.0.{rng.randrange(256)}.0/24"]}}],
             "ports": [{"port": 443}]},
        ]
        egress = [
            {"to": [{"podSelector": {"matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["db"]}]}}],
             "ports": [{"port": 5432}]},
            {"to": [{"namespaceSelector": {}}], "ports": [{"port": "metrics"}]},
        ]
        out.append(policy(ns, f"p{j}", {
            "podSelector": {"matchLabels": {"app": f"app{target}"}},
            "ingress": rng.sample(ingress, rng.randint(1, 3)),
            "egress": rng.sample(egress, rng.randint(0, 2)),
        }))
        j += 1
    return out


def stream(workloads: int, policies: int, seed: int = 0) -> str:
    return yaml.safe_dump_all(objects(workloads, policies, seed))


def main(argv: list[str]) -> None:
    from kustguard.index import Index
    from kustguard.netpol.engine import Reachability
    from kustguard.netpol.model import NetworkModel
    from kustguard.resources import parse_stream

    workloads, policies = (int(a) for a in (argv + ["2000", "2000"])[:2])
    docs = objects(workloads, policies)
    text = yaml.safe_dump_all(docs)
    t0 = time.perf_counter()
    index = Index(parse_stream(text, "bench", "bench"))
    t1 = time.perf_counter()
    model = NetworkModel(index)
    t2 = time.perf_counter()
    reach = Reachability(model)
    t3 = time.perf_counter()
    pairs = sum(1 for _ in reach.pod_connections())
    t4 = time.perf_counter()
    print(f"{workloads} workloads, {len(model.policies)} policies")
    print(f"parse YAML + index  {t1 - t0:6.2f} s")
    print(f"model (selectors)   {t2 - t1:6.2f} s")
    print(f"reachability        {t3 - t2:6.2f} s")
    print(f"list {pairs} pairs {t4 - t3:6.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
