"""netpol-peer-selects-nothing: peers must match a namespace or pod."""
from __future__ import annotations

from .fixtures import APP, MYSQL_FROM_TODO, line_of, policy, summary


DNS_EGRESS = """\
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
          podSelector: {matchLabels: {k8s-app: kube-dns}}
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
          podSelector: {matchLabels: {k8s-app: metrics-server}}
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: default}}
        - ipBlock: {cidr: 10.0.0.0/8}
"""


def test_peers_matching_known_namespaces_and_dns_pass(run_check):
    text = APP + MYSQL_FROM_TODO + policy("egress", DNS_EGRESS)
    assert run_check("netpol-peer-selects-nothing", text) == []


def test_peers_matching_nothing_are_reported_with_their_field(run_check):
    text = APP + policy("mysql", """\
  podSelector: {matchLabels: {app: mysql}}
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {team: frontend}}
        - podSelector: {matchLabels: {app: tood}}
  egress:
    - to:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: todo}}
          podSelector: {matchLabels: {app: cache}}
""")
    findings = run_check("netpol-peer-selects-nothing", text)
    assert summary(findings) == [
        ("netpol-peer-selects-nothing", "NetworkPolicy/todo/mysql", "manifests.yaml",
         line_of(text, "team: frontend"), "spec.ingress[0].from[0].namespaceSelector"),
        ("netpol-peer-selects-nothing", "NetworkPolicy/todo/mysql", "manifests.yaml",
         line_of(text, "app: tood"), "spec.ingress[0].from[1].podSelector"),
        ("netpol-peer-selects-nothing", "NetworkPolicy/todo/mysql", "manifests.yaml",
         line_of(text, "app: cache"), "spec.egress[0].to[0].podSelector"),
    ]
    assert "team=frontend matches no namespace" in findings[0].message
    assert "app=tood matches no pod in namespace todo" in findings[1].message
