"""No Role or ClusterRole grants `*` as a verb, a resource or an API group.

A wildcard grants today's verbs, resources and API groups and every one
added later: new CRDs, new subresources, `escalate`, `impersonate`. A `*`
API group makes a rule for `pods` also a rule for every CRD named `pods`
in any group. List them instead.
ClusterRoles with an aggregationRule are skipped: the controller manager
overwrites their rules from the aggregated roles.

Passing::

    kind: Role
    rules:
      - apiGroups: [apps]
        resources: [deployments]
        verbs: [get, list, watch, patch]

Failing::

    kind: ClusterRole
    rules:
      - apiGroups: ["*"]
        resources: ["*"]
        verbs: ["*"]
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity

ID = "rbac-wildcards"
SEVERITY = Severity.ERROR
FAMILY = "rbac"
KUBE_LINTER = ("wildcard-in-rules",)
CHECKOV = ("CKV_K8S_49",)


def _is_wildcard(value: object, field: str) -> bool:
    text = str(value)
    return text == "*" or (field == "resources" and text.startswith("*/"))


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for role in ctx.index.of_kind("Role", "ClusterRole"):
        if role.get("aggregationRule") is not None:
            continue
        rules = role.get("rules")
        for i, rule in enumerate(rules if isinstance(rules, list) else []):
            if not isinstance(rule, dict):
                continue
            for field in ("verbs", "resources", "apiGroups"):
                values = rule.get(field)
                if not isinstance(values, list):
                    continue
                for j, value in enumerate(values):
                    if _is_wildcard(value, field):
                        noun = {"verbs": "verb", "resources": "resource"}.get(field, "API group")
                        yield ctx.report(
                            role,
                            f"rule {i} grants the wildcard {noun} {str(value)!r}",
                            hint=f"list the {field} the subject needs instead of a wildcard",
                            path=("rules", i, field, j),
                        )
                        break
