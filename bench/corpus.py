"""Deterministic benchmark corpora: Kubernetes manifests and NetworkPolicy sets.

Everything here is a pure function of (size, seed): the same arguments give
byte-identical files on any machine, so a result can be reproduced and two
tools always read the very same input.

Two kinds of corpus:

- `resources(n, seed)`: n objects in a realistic mix, grouped in "apps" of
  one namespace each: a Deployment or a StatefulSet (with its headless
  Service), a Service, a ConfigMap, a ServiceAccount, often an Ingress, a
  NetworkPolicy, a Role and RoleBinding, sometimes a PodDisruptionBudget or
  a HorizontalPodAutoscaler; plus per namespace a Namespace, a default-deny
  policy and CRD instances (MetalLB IPAddressPool / L2Advertisement, whose
  schemas this repository commits). Some apps carry the mistakes real repos
  carry (no probes, `latest` tags, no limits), and about one app in 150 has
  a schema error, so every validator has something to find.
- `policies(workloads, policies, seed)`: namespaces of Deployments with
  labelled pods and named ports, and NetworkPolicies between them (default
  deny, allow from a tier, from another team's namespace, by numeric and
  named ports, egress restrictions), for reachability.

Writers lay a corpus out as a multi-file tree (one file per app), as one
multi-document stream, and optionally add a kustomization.yaml entry point.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path
from typing import Any

import yaml

# Bump when the generators change, so cached corpora are regenerated.
GENERATOR_VERSION = "3"

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

TIERS = ("web", "api", "worker", "cache", "db")
IMAGES = {
    "web": ("nginx", "1.27.3"), "api": ("python", "3.12.8-slim"),
    "worker": ("golang", "1.23.4"), "cache": ("redis", "7.4.1"), "db": ("postgres", "16.6"),
}
PORTS = {"web": 8080, "api": 8000, "worker": 9000, "cache": 6379, "db": 5432}


def dump_all(objects: list[dict[str, Any]]) -> str:
    return yaml.dump_all(objects, Dumper=_Dumper, sort_keys=False, default_flow_style=False)


# -- resources ---------------------------------------------------------------

def _container(rng: random.Random, app: str, tier: str, flaws: set[str]) -> dict[str, Any]:
    image, tag = IMAGES[tier]
    port = PORTS[tier]
    c: dict[str, Any] = {
        "name": app,
        "image": f"registry.example.com/{image}:{'latest' if 'latest' in flaws else tag}",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"},
                  {"name": "metrics", "containerPort": 9090, "protocol": "TCP"}],
        "env": [
            {"name": "APP_NAME", "value": app},
            {"name": "LOG_LEVEL", "value": rng.choice(["info", "debug", "warning"])},
            {"name": "CONFIG_PATH", "value": "/etc/app/config.yaml"},
        ],
        "envFrom": [{"configMapRef": {"name": f"{app}-config"}}],
        "volumeMounts": [{"name": "config", "mountPath": "/etc/app", "readOnly": True},
                         {"name": "tmp", "mountPath": "/tmp"}],
    }
    if "probes" not in flaws:
        c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": "http"},
                               "periodSeconds": 10, "timeoutSeconds": 2}
        c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": "http"},
                              "periodSeconds": 20, "timeoutSeconds": 3, "failureThreshold": 5}
    if "resources" not in flaws:
        c["resources"] = {"requests": {"cpu": f"{rng.choice([50, 100, 250])}m",
                                       "memory": f"{rng.choice([64, 128, 256])}Mi"},
                          "limits": {"cpu": "1", "memory": f"{rng.choice([256, 512])}Mi"}}
    if "security" not in flaws:
        c["securityContext"] = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                "capabilities": {"drop": ["ALL"]}}
    if "schema-field" in flaws:
        c["imagePullPolicyy"] = "Always"  # an unknown field: strict schemas refuse it
    return c


def _pod_template(rng: random.Random, app: str, tier: str, team: str,
                  flaws: set[str]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "serviceAccountName": app,
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
                            "fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [_container(rng, app, tier, flaws)],
        "volumes": [{"name": "config", "configMap": {"name": f"{app}-config"}},
                    {"name": "tmp", "emptyDir": {}}],
        "terminationGracePeriodSeconds": 30,
    }
    if rng.random() < 0.3:
        spec["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 100, "podAffinityTerm": {
                "labelSelector": {"matchLabels": {"app": app}},
                "topologyKey": "kubernetes.io/hostname"}}]}}
    return {"metadata": {"labels": {"app": app, "tier": tier, "team": team,
                                    "app.kubernetes.io/name": app,
                                    "app.kubernetes.io/part-of": team}},
            "spec": spec}


def _app(rng: random.Random, ns: str, team: str, number: int) -> list[dict[str, Any]]:
    tier = TIERS[number % len(TIERS)]
    app = f"{tier}-{number:05d}"
    labels = {"app": app, "tier": tier, "team": team, "app.kubernetes.io/name": app}
    flaws = {f for f, p in (("probes", 0.08), ("latest", 0.05), ("resources", 0.08),
                            ("security", 0.06)) if rng.random() < p}
    schema_error = rng.random() < 1 / 150
    if schema_error:
        flaws.add(rng.choice(["schema-field", "schema-type"]))
    meta = lambda name, **extra: {"name": name, "namespace": ns, "labels": dict(labels), **extra}  # noqa: E731
    template = _pod_template(rng, app, tier, team, flaws)
    stateful = tier in ("db", "cache")
    out: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(app),
         "automountServiceAccountToken": False},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(f"{app}-config"),
         "data": {"config.yaml": f"name: {app}\ntier: {tier}\nport: {PORTS[tier]}\n",
                  "FEATURE_FLAGS": ",".join(rng.sample(["a", "b", "c", "d", "e"], 2))}},
    ]
    if stateful:
        out.append({"apiVersion": "v1", "kind": "Service", "metadata": meta(f"{app}-headless"),
                    "spec": {"clusterIP": "None", "selector": {"app": app},
                             "ports": [{"name": "http", "port": PORTS[tier], "targetPort": "http"}]}})
        workload: dict[str, Any] = {
            "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta(app),
            "spec": {"serviceName": f"{app}-headless", "replicas": rng.choice([1, 3]),
                     "selector": {"matchLabels": {"app": app}}, "template": template,
                     "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                         "accessModes": ["ReadWriteOnce"],
                         "resources": {"requests": {"storage": f"{rng.choice([1, 5, 10])}Gi"}}}}]}}
        template["spec"]["containers"][0]["volumeMounts"].append({"name": "data", "mountPath": "/data"})
    else:
        workload = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(app),
                    "spec": {"replicas": rng.choice([1, 2, 3]), "revisionHistoryLimit": 5,
                             "selector": {"matchLabels": {"app": app}},
                             "strategy": {"type": "RollingUpdate",
                                          "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
                             "template": template}}
    if "schema-type" in flaws:
        workload["spec"]["replicas"] = "three"  # a string where an integer belongs
    out.append(workload)
    out.append({"apiVersion": "v1", "kind": "Service", "metadata": meta(app),
                "spec": {"type": "ClusterIP", "selector": {"app": app},
                         "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
                                   {"name": "metrics", "port": 9090, "targetPort": 9090}]}})
    if tier == "web" or rng.random() < 0.15:
        out.append({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta(app),
                    "spec": {"ingressClassName": "nginx",
                             "tls": [{"hosts": [f"{app}.{ns}.example.com"], "secretName": f"{app}-tls"}],
                             "rules": [{"host": f"{app}.{ns}.example.com", "http": {"paths": [
                                 {"path": "/", "pathType": "Prefix", "backend": {
                                     "service": {"name": app, "port": {"name": "http"}}}}]}}]}})
    allowed_from = {"web": None, "api": "web", "worker": "api", "cache": "api", "db": "api"}[tier]
    ingress_rule: dict[str, Any] = {"ports": [{"port": "http", "protocol": "TCP"}]}
    if allowed_from:
        ingress_rule["from"] = [{"podSelector": {"matchLabels": {"tier": allowed_from}}}]
    out.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": meta(f"{app}-ingress"),
                "spec": {"podSelector": {"matchLabels": {"app": app}}, "policyTypes": ["Ingress"],
                         "ingress": [ingress_rule,
                                     {"from": [{"namespaceSelector": {"matchLabels": {
                                         "kubernetes.io/metadata.name": "monitoring"}}}],
                                      "ports": [{"port": 9090, "protocol": "TCP"}]}]}})
    if rng.random() < 0.5:
        out.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta(app),
                    "rules": [{"apiGroups": [""], "resources": ["configmaps"],
                               "verbs": ["get", "list", "watch"]},
                              {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                               "verbs": ["get", "create", "update"]}]})
        out.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                    "metadata": meta(app),
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": app},
                    "subjects": [{"kind": "ServiceAccount", "name": app, "namespace": ns}]})
    if workload["kind"] == "Deployment" and rng.random() < 0.25:
        out.append({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta(app),
                    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": app},
                             "minReplicas": 2, "maxReplicas": 10, "metrics": [{
                                 "type": "Resource", "resource": {"name": "cpu", "target": {
                                     "type": "Utilization", "averageUtilization": 70}}}]}})
    if rng.random() < 0.25:
        out.append({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta(app),
                    "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": app}}}})
    return out


def _namespace_objects(ns: str, team: str, number: int) -> list[dict[str, Any]]:
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {
            "team": team, "pod-security.kubernetes.io/enforce": "restricted"}}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "default-deny", "namespace": ns},
         "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}},
        {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool",
         "metadata": {"name": f"{ns}-pool", "namespace": ns},
         "spec": {"addresses": [f"10.{number // 250 % 250}.{number % 250}.0/24"], "autoAssign": False}},
        {"apiVersion": "metallb.io/v1beta1", "kind": "L2Advertisement",
         "metadata": {"name": f"{ns}-l2", "namespace": ns},
         "spec": {"ipAddressPools": [f"{ns}-pool"]}},
    ]


APPS_PER_NAMESPACE = 20


def resources(n: int, seed: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """n objects as (file name, objects) groups; the same (n, seed), the same output."""
    rng = random.Random(f"resources:{seed}")
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    total = 0
    app_number = 0
    ns_number = 0
    while total < n:
        ns = f"team-{ns_number:04d}"
        team = f"t{ns_number % 17:02d}"
        groups.append((f"{ns}/namespace.yaml", _namespace_objects(ns, team, ns_number)))
        total += len(groups[-1][1])
        for _ in range(APPS_PER_NAMESPACE):
            if total >= n:
                break
            objs = _app(rng, ns, team, app_number)
            groups.append((f"{ns}/{objs[0]['metadata']['name']}.yaml", objs))
            total += len(objs)
            app_number += 1
        ns_number += 1
    # Trim the last group so the corpus holds exactly n objects.
    excess = total - n
    while excess > 0:
        name, objs = groups[-1]
        cut = min(excess, len(objs))
        objs = objs[:len(objs) - cut]
        excess -= cut
        if objs:
            groups[-1] = (name, objs)
        else:
            groups.pop()
    return groups


# -- NetworkPolicies ------------------------------------------------------------

WORKLOADS_PER_NAMESPACE = 50


def policies(workloads: int, count: int, seed: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """`workloads` Deployments and `count` NetworkPolicies, grouped per namespace."""
    rng = random.Random(f"policies:{seed}")
    n_ns = max(1, -(-workloads // WORKLOADS_PER_NAMESPACE))
    teams = [f"t{i % 7}" for i in range(n_ns)]
    names = [f"np-{i:03d}" for i in range(n_ns)]
    per_ns: list[list[dict[str, Any]]] = [[] for _ in range(n_ns)]
    apps: list[list[tuple[str, str]]] = [[] for _ in range(n_ns)]  # (app, tier)
    for i in range(n_ns):
        per_ns[i].append({"apiVersion": "v1", "kind": "Namespace", "metadata": {
            "name": names[i], "labels": {"team": teams[i], "env": rng.choice(["prod", "staging"])}}})
    for w in range(workloads):
        i = w % n_ns
        tier = TIERS[(w // n_ns) % len(TIERS)]
        app = f"{tier}-{w:05d}"
        apps[i].append((app, tier))
        ports = [{"name": "http", "containerPort": PORTS[tier], "protocol": "TCP"},
                 {"name": "metrics", "containerPort": 9090, "protocol": "TCP"}]
        if tier == "cache":
            ports.append({"name": "gossip", "containerPort": 7946, "protocol": "UDP"})
        per_ns[i].append({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": app, "namespace": names[i]},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": app}}, "template": {
                "metadata": {"labels": {"app": app, "tier": tier, "team": teams[i],
                                        "shard": str(w % 4)}},
                "spec": {"containers": [{"name": app, "image": f"registry.example.com/{tier}:1.0.0",
                                         "ports": ports}]}}}})
    made = 0
    # One default-deny per namespace first (ingress everywhere, egress in some).
    for i in range(n_ns):
        if made >= count:
            break
        types = ["Ingress", "Egress"] if i % 5 == 4 else ["Ingress"]
        per_ns[i].append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                          "metadata": {"name": "default-deny", "namespace": names[i]},
                          "spec": {"podSelector": {}, "policyTypes": types}})
        made += 1
    k = 0
    while made < count:
        i = k % n_ns
        app, tier = apps[i][(k // n_ns) % len(apps[i])] if apps[i] else (f"none-{k}", "web")
        style = k % 6
        name = f"allow-{k:05d}"
        spec: dict[str, Any]
        if style == 0:  # same-namespace tier -> app, named port
            src = TIERS[max(0, TIERS.index(tier) - 1)]
            spec = {"podSelector": {"matchLabels": {"app": app}}, "policyTypes": ["Ingress"],
                    "ingress": [{"from": [{"podSelector": {"matchLabels": {"tier": src}}}],
                                 "ports": [{"port": "http", "protocol": "TCP"}]}]}
        elif style == 1:  # another team's namespaces, numeric port
            spec = {"podSelector": {"matchLabels": {"tier": tier}}, "policyTypes": ["Ingress"],
                    "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
                        "team": teams[(i + 1) % n_ns]}}, "podSelector": {"matchLabels": {"tier": "api"}}}],
                        "ports": [{"port": PORTS[tier], "protocol": "TCP"}]}]}
        elif style == 2:  # monitoring: every namespace of an env may scrape metrics
            spec = {"podSelector": {"matchExpressions": [
                        {"key": "tier", "operator": "In", "values": sorted({tier, "worker"})}]},
                    "policyTypes": ["Ingress"],
                    "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"env": "prod"}},
                                           "podSelector": {"matchLabels": {"shard": str(k % 4)}}}],
                                 "ports": [{"port": "metrics", "protocol": "TCP"}]}]}
        elif style == 3:  # egress: only to the database tier and to a port range
            spec = {"podSelector": {"matchLabels": {"app": app}}, "policyTypes": ["Egress"],
                    "egress": [{"to": [{"podSelector": {"matchLabels": {"tier": "db"}}}],
                                "ports": [{"port": 5432, "protocol": "TCP"}]},
                               {"to": [{"namespaceSelector": {}}],
                                "ports": [{"port": 8000, "endPort": 8100, "protocol": "TCP"}]}]}
        elif style == 4:  # a shard within the namespace, two ports, one of them UDP
            spec = {"podSelector": {"matchLabels": {"shard": str(k % 4), "tier": tier}},
                    "policyTypes": ["Ingress"],
                    "ingress": [{"from": [{"podSelector": {"matchExpressions": [
                        {"key": "shard", "operator": "NotIn", "values": [str((k + 1) % 4)]}]}}],
                        "ports": [{"port": 7946, "protocol": "UDP"}, {"port": 9090, "protocol": "TCP"}]}]}
        else:  # open one app to everything in the cluster on its http port
            spec = {"podSelector": {"matchLabels": {"app": app}}, "policyTypes": ["Ingress"],
                    "ingress": [{"from": [{"namespaceSelector": {}}],
                                 "ports": [{"port": PORTS[tier], "protocol": "TCP"}]}]}
        per_ns[i].append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                          "metadata": {"name": name, "namespace": names[i]}, "spec": spec})
        made += 1
        k += 1
    return [(f"{names[i]}.yaml", per_ns[i]) for i in range(n_ns)]


# -- one big file -----------------------------------------------------------

def one_file(n: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """n plain Deployments (no probes, no limits: findings on every one) in
    one file, as a vendored install manifest or a rendered chart is."""
    objs = []
    for i in range(n):
        name = f"worker-{i:05d}"
        objs.append({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "bulk", "labels": {"app": name}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "main", "image": "nginx:1.27.3",
                                                           "ports": [{"containerPort": 8080}]}]}}},
        })
    return [("deployments.yaml", objs)]


# -- writers -----------------------------------------------------------------

def fingerprint(kind: str, *args: Any) -> str:
    here = Path(__file__).read_bytes()
    return hashlib.sha256(json.dumps([GENERATOR_VERSION, kind, *args]).encode() + here).hexdigest()[:16]


def write(groups: list[tuple[str, list[dict[str, Any]]]], folder: Path, *,
          stream_name: str = "stream.yaml", kustomization: bool = False) -> dict[str, Any]:
    """Write `tree/` (one file per group) and one stream; return a summary.

    A folder that holds a complete write of the same corpus is left alone
    (`.complete` records the fingerprint given by the caller via folder name).
    """
    done = folder / ".complete"
    if done.is_file():
        return json.loads(done.read_text())
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    tree = tmp / "tree"
    tree.mkdir(parents=True, exist_ok=True)
    files = []
    count = 0
    with open(tmp / stream_name, "w", encoding="utf-8") as stream:
        for name, objs in groups:
            text = dump_all(objs)
            path = tree / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            stream.write(text if not files else "---\n" + text)
            files.append(name)
            count += len(objs)
    if kustomization:
        (tree / "kustomization.yaml").write_text(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
            + "".join(f"- {name}\n" for name in files), encoding="utf-8")
    summary = {"objects": count, "files": len(files),
               "bytes": (tmp / stream_name).stat().st_size}
    (tmp / ".complete").write_text(json.dumps(summary))
    if folder.exists():
        import shutil
        shutil.rmtree(folder)
    tmp.rename(folder)
    return summary


def kinds(groups: list[tuple[str, list[dict[str, Any]]]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for _, objs in groups:
        for obj in objs:
            out[obj["kind"]] = out.get(obj["kind"], 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))
