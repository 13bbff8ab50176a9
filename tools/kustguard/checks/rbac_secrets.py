"""Roles that can read Secrets (get, list or watch) are flagged for review.

Read access to Secrets is read access to every token, password and key in
their scope; `list` and `watch` return all of them at once. A rule limited
by resourceNames to named Secrets is not flagged. Explicit `secrets`, the
`*` resource and the `*` verb all count, in the core API group ("" or "*").

Passing::

    kind: Role
    rules:
      - apiGroups: [""]
        resources: [secrets]
        resourceNames: [web-tls]
        verbs: [get]

Failing::

    kind: ClusterRole
    rules:
      - apiGroups: [""]
        resources: [secrets]
        verbs: [get, list, watch]
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity

ID = "rbac-secrets"
SEVERITY = Severity.WARNING
FAMILY = "rbac"
KUBE_LINTER = ("access-to-secrets",)

READ_VERBS = ("get", "list", "watch")


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for role in ctx.index.of_kind("Role", "ClusterRole"):
        if role.get("aggregationRule") is not None:
            continue
        scope = "in every namespace" if role.kind == "ClusterRole" \
            else f"in namespace {ctx.index.namespace_of(role)!r}"
        rules = role.get("rules")
        for i, rule in enumerate(rules if isinstance(rules, list) else []):
            if not isinstance(rule, dict) or rule.get("resourceNames"):
                continue
            groups = _strings(rule.get("apiGroups"))
            resources = _strings(rule.get("resources"))
            verbs = _strings(rule.get("verbs"))
            if not ({"", "*"} & set(groups)) or not ({"secrets", "*"} & set(resources)):
                continue
            granted = list(READ_VERBS) if "*" in verbs else [v for v in READ_VERBS if v in verbs]
            if not granted:
                continue
            yield ctx.report(
                role,
                f"rule {i} can {', '.join(granted)} Secrets {scope}",
                hint="limit it with resourceNames, or mount the Secret instead of reading it "
                     "through the API",
                path=("rules", i, "resources"),
            )
