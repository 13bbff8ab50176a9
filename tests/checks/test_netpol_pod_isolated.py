"""netpol-pod-isolated: each workload no ingress policy selects, named once."""
from __future__ import annotations


def _deploy(name: str, ns: str, labels: str) -> str:
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
            f"spec:\n  selector:\n    matchLabels: {labels}\n  template:\n    metadata:\n"
            f"      labels: {labels}\n    spec:\n      containers:\n      - name: c\n"
            "        image: nginx:1.27\n")


def _policy(name: str, ns: str, selector: str, types: str = "[Ingress]") -> str:
    return (f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n"
            f"  namespace: {ns}\nspec:\n  podSelector: {selector}\n  policyTypes: {types}\n")


def test_unselected_workloads_are_named(run_check):
    manifests = "---\n".join([
        _deploy("web", "shop", "{app: web}"),
        _deploy("db", "shop", "{app: db}"),
        _deploy("api", "open", "{app: api}"),
        _deploy("dns", "kube-system", "{k8s-app: dns}"),
        _policy("db", "shop", "{matchLabels: {app: db}}"),
        # An egress-only policy does not isolate ingress.
        _policy("egress", "shop", "{}", "[Egress]"),
    ])
    findings = run_check("netpol-pod-isolated", manifests)
    assert sorted((f.object.namespace, f.object.name) for f in findings) == [
        ("open", "api"), ("shop", "web")]
    lines = manifests.splitlines()
    web = next(f for f in findings if f.object.name == "web")
    assert web.line == lines.index("      labels: {app: web}") + 1


def test_a_default_deny_isolates_every_workload(run_check):
    manifests = "---\n".join([
        _deploy("web", "shop", "{app: web}"),
        _deploy("db", "shop", "{app: db}"),
        _policy("default-deny", "shop", "{}"),
    ])
    assert run_check("netpol-pod-isolated", manifests) == []


def test_a_policy_in_another_namespace_does_not_count(run_check):
    manifests = "---\n".join([
        _deploy("web", "shop", "{app: web}"),
        _policy("all", "other", "{}"),
    ])
    assert [f.object.name for f in run_check("netpol-pod-isolated", manifests)] == ["web"]
