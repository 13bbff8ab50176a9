"""netpol-default-deny: app namespaces need a default-deny ingress policy."""
from __future__ import annotations

from kustguard.findings import ObjectRef

from .fixtures import APP, DEFAULT_DENY, MYSQL_FROM_TODO, line_of, policy, summary, workload


def test_default_deny_passes(run_check):
    assert run_check("netpol-default-deny", APP + DEFAULT_DENY) == []


def test_missing_default_deny_is_reported_on_the_namespace(run_check):
    findings = run_check("netpol-default-deny", APP + MYSQL_FROM_TODO)
    assert summary(findings) == [
        ("netpol-default-deny", "Namespace/todo", "manifests.yaml", 3, "metadata.name")]
    assert "namespace todo runs workloads" in findings[0].message


def test_allow_all_on_every_pod_is_not_a_default_deny(run_check):
    text = APP + policy("everything", "  podSelector: {}\n  ingress: [{}]\n")
    assert [f.object for f in run_check("netpol-default-deny", text)] == [
        ObjectRef("Namespace", "", "todo")]


def test_namespace_without_object_is_reported_on_its_first_workload(run_check):
    text = APP + DEFAULT_DENY + workload("api", "shop", "{app: api}")
    findings = run_check("netpol-default-deny", text)
    assert summary(findings) == [("netpol-default-deny", "Deployment/shop/api", "manifests.yaml",
                                  line_of(text, "name: api"), "metadata.namespace")]


def test_system_namespaces_are_not_app_namespaces(run_check):
    text = workload("metrics", "kube-system", "{app: metrics}")
    assert run_check("netpol-default-deny", text) == []
