MANIFESTS = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: shop}
rules:
  - apiGroups: [""]
    resources: [configmaps, secrets]
    verbs: [get, list, watch]
  - apiGroups: [""]
    resources: [secrets]
    resourceNames: [web-tls]
    verbs: [get]
  - apiGroups: [""]
    resources: [secrets]
    verbs: [create, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: all-reader}
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
  - apiGroups: [apps]
    resources: [secrets]
    verbs: [get]
"""


def test_reading_secrets_is_a_warning(run_check):
    findings = run_check("rbac-secrets", MANIFESTS)
    assert [(str(f.object), f.message, f.field, f.line) for f in findings] == [
        ("Role/shop/reader", "rule 0 can get, list, watch Secrets in namespace 'shop'",
         "rules[0].resources", 6),
        ("ClusterRole/all-reader", "rule 0 can get, list, watch Secrets in every namespace",
         "rules[0].resources", 21),
    ]
    assert {f.severity.name for f in findings} == {"WARNING"}


def test_named_secrets_and_write_only_pass(run_check):
    role = MANIFESTS.split("---")[0].replace("resources: [configmaps, secrets]", "resources: [configmaps]")
    assert run_check("rbac-secrets", role) == []
