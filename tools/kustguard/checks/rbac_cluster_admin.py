"""No binding grants the cluster-admin ClusterRole.

cluster-admin is every verb on every resource. A ClusterRoleBinding to it
makes its subjects owners of the cluster; a RoleBinding to it makes them
owners of the namespace, including its Secrets and RBAC. Bind a role that
lists what the subject actually needs.

Passing::

    kind: RoleBinding
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}
    subjects: [{kind: ServiceAccount, name: ci, namespace: shop}]

Failing::

    kind: ClusterRoleBinding
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
    subjects: [{kind: ServiceAccount, name: ci, namespace: shop}]
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity

ID = "rbac-cluster-admin"
SEVERITY = Severity.ERROR
FAMILY = "rbac"
KUBE_LINTER = ("cluster-admin-role-binding",)


def _subjects(binding) -> str:
    subjects = binding.get("subjects") or []
    names = []
    for s in subjects if isinstance(subjects, list) else []:
        if isinstance(s, dict):
            ns = f"{s['namespace']}/" if s.get("namespace") else ""
            names.append(f"{s.get('kind', '?')} {ns}{s.get('name', '?')}")
    return ", ".join(names) or "no subjects"


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for binding in ctx.index.of_kind("ClusterRoleBinding", "RoleBinding"):
        ref = binding.get("roleRef")
        if not isinstance(ref, dict) or ref.get("kind") != "ClusterRole" \
                or ref.get("name") != "cluster-admin":
            continue
        scope = "the whole cluster" if binding.kind == "ClusterRoleBinding" \
            else f"namespace {ctx.index.namespace_of(binding)!r}"
        yield ctx.report(
            binding,
            f"grants cluster-admin over {scope} to {_subjects(binding)}",
            hint="bind a Role/ClusterRole that lists only the verbs and resources needed",
            path=("roleRef", "name"),
        )
