MANIFESTS = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: too-much}
rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: [get, list]
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
  - apiGroups: [apps]
    resources: ["*/scale"]
    verbs: [patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: aggregated}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {rbac.example.com/aggregate: "true"}}]
rules:
  - {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
"""


def test_wildcard_verbs_and_resources_fail(run_check):
    findings = run_check("rbac-wildcards", MANIFESTS)
    assert [(str(f.object), f.message, f.field, f.line) for f in findings] == [
        ("ClusterRole/too-much", "rule 1 grants the wildcard verb '*'", "rules[1].verbs[0]", 10),
        ("ClusterRole/too-much", "rule 1 grants the wildcard resource '*'", "rules[1].resources[0]", 9),
        ("ClusterRole/too-much", "rule 1 grants the wildcard API group '*'",
         "rules[1].apiGroups[0]", 8),
        ("ClusterRole/too-much", "rule 2 grants the wildcard resource '*/scale'",
         "rules[2].resources[0]", 12),
    ]


def test_explicit_rules_pass(run_check):
    role = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: shop}
rules:
  - {apiGroups: [apps], resources: [deployments], verbs: [get, patch]}
"""
    assert run_check("rbac-wildcards", role) == []


def test_wildcard_api_group_alone_fails(run_check):
    role = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: any-group, namespace: shop}
rules:
  - {apiGroups: ["*"], resources: [pods], verbs: [get]}
"""
    assert [(f.message, f.field) for f in run_check("rbac-wildcards", role)] == [
        ("rule 0 grants the wildcard API group '*'", "rules[0].apiGroups[0]")]
