"""netpol-selects-nothing: a policy must select at least one pod."""
from __future__ import annotations

from kustguard.findings import ObjectRef

from .fixtures import APP, DEFAULT_DENY, MYSQL_FROM_TODO, line_of, policy, summary


def test_policy_selecting_a_workload_passes(run_check):
    assert run_check("netpol-selects-nothing", APP + DEFAULT_DENY + MYSQL_FROM_TODO) == []


def test_policy_with_a_typo_selects_nothing(run_check):
    text = APP + policy("mysql", "  podSelector: {matchLabels: {app: mysq1}}\n")
    findings = run_check("netpol-selects-nothing", text)
    assert summary(findings) == [("netpol-selects-nothing", "NetworkPolicy/todo/mysql",
                                  "manifests.yaml", line_of(text, "app: mysq1"), "spec.podSelector")]
    assert "app=mysq1 matches no pod in namespace todo" in findings[0].message


def test_policy_in_another_namespace_selects_nothing(run_check):
    text = APP + policy("mysql", "  podSelector: {matchLabels: {app: mysql}}\n", namespace="shop")
    assert [f.object for f in run_check("netpol-selects-nothing", text)] == [
        ObjectRef("NetworkPolicy", "shop", "mysql")]


def test_policies_in_system_namespaces_are_trusted(run_check):
    text = APP + policy("metrics", "  podSelector: {matchLabels: {k8s-app: metrics-server}}\n",
                        namespace="kube-system")
    assert run_check("netpol-selects-nothing", text) == []
