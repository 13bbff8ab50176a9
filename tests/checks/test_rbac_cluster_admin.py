MANIFESTS = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-admin}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - {kind: ServiceAccount, name: ci, namespace: tools}
  - {kind: Group, name: ops}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: shop-admin, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: User, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: viewer, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: bob}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: own-role, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cluster-admin}
subjects: [{kind: User, name: carol}]
"""


def test_bindings_to_cluster_admin_fail(run_check):
    findings = run_check("rbac-cluster-admin", MANIFESTS)
    assert [(str(f.object), f.message, f.field, f.line) for f in findings] == [
        ("ClusterRoleBinding/ci-admin",
         "grants cluster-admin over the whole cluster to ServiceAccount tools/ci, Group ops",
         "roleRef.name", 7),
        ("RoleBinding/shop/shop-admin",
         "grants cluster-admin over namespace 'shop' to User alice", "roleRef.name", 15),
    ]


def test_other_roles_pass(run_check):
    rest = MANIFESTS.split("---\n", 2)[2]
    assert run_check("rbac-cluster-admin", rest) == []
