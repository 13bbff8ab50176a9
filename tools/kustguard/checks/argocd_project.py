"""No Argo CD AppProject allows `*` for source repositories, destinations or cluster resources.

An AppProject is the fence around its Applications: which repositories they
may deploy from, to which clusters and namespaces, and which cluster-scoped
kinds they may create. A `*` in sourceRepos, in a destination's server,
name or namespace, or in a clusterResourceWhitelist group or kind turns the
fence off (any repo can deploy a ClusterRoleBinding anywhere). Name them.
Patterns such as `https://github.com/my-org/*` or `shop-*` are not flagged;
only a bare `*` is.

Passing::

    apiVersion: argoproj.io/v1alpha1
    kind: AppProject
    spec:
      sourceRepos: [https://github.com/my-org/gitops.git]
      destinations:
        - {server: https://kubernetes.default.svc, namespace: shop}
      clusterResourceWhitelist:
        - {group: "", kind: Namespace}

Failing::

    apiVersion: argoproj.io/v1alpha1
    kind: AppProject
    spec:
      sourceRepos: ["*"]
      destinations:
        - {server: "*", namespace: "*"}
      clusterResourceWhitelist:
        - {group: "*", kind: "*"}
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity

ID = "argocd-project-wildcards"
SEVERITY = Severity.ERROR
FAMILY = "argocd"


def _items(value: object) -> list:
    return value if isinstance(value, list) else []


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for project in ctx.index.of_kind("AppProject"):
        if not project.api_version.startswith("argoproj.io/"):
            continue
        for i, repo in enumerate(_items(project.get("spec", "sourceRepos"))):
            if str(repo).strip() == "*":
                yield ctx.report(project, "sourceRepos allows any repository ('*')",
                                 hint="list the repository URLs this project deploys from",
                                 path=("spec", "sourceRepos", i))
        for i, dest in enumerate(_items(project.get("spec", "destinations"))):
            if not isinstance(dest, dict):
                continue
            for field in ("server", "name", "namespace"):
                if str(dest.get(field, "")).strip() == "*":
                    yield ctx.report(project, f"destination {i} allows any {field} ('*')",
                                     hint=f"name the destination {field}(s) explicitly",
                                     path=("spec", "destinations", i, field))
        for i, entry in enumerate(_items(project.get("spec", "clusterResourceWhitelist"))):
            if not isinstance(entry, dict):
                continue
            for field in ("group", "kind"):
                if str(entry.get(field, "")).strip() == "*":
                    yield ctx.report(
                        project, f"clusterResourceWhitelist entry {i} allows any {field} ('*')",
                        hint="list the cluster-scoped kinds (e.g. group '' kind Namespace) "
                             "the project may create",
                        path=("spec", "clusterResourceWhitelist", i, field))
