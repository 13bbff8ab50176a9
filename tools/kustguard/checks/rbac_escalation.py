"""Roles grant no path to more privilege: tokens, exec, attach, escalate, bind, impersonate, node proxy, cluster-wide reads of ConfigMaps and logs.

Each of these turns a modest role into a bigger one:

- ``create`` on ``serviceaccounts/token`` mints a token for any
  ServiceAccount in scope, such as a controller's;
- ``create`` (or ``get``, used by older clients) on ``pods/exec`` or
  ``pods/attach`` runs commands inside pods, with their mounted secrets;
- the ``escalate``, ``bind`` and ``impersonate`` verbs grant, bind or act
  as roles beyond the holder's own;
- any verb on ``nodes/proxy`` reaches the kubelet API, which runs commands
  in any pod on the node;
- ``get``, ``list`` or ``watch`` on ``configmaps`` or ``pods/log`` in a
  ClusterRole that a ClusterRoleBinding grants reads every namespace's
  configuration and logs, where credentials often end up.

Resources and verbs must be named: a ``*`` verb or resource is
``rbac-wildcards``' finding, so it is said once. A ``*`` API group with a
named resource counts. Rules limited by ``resourceNames`` are reported too
(except for the cluster-wide reads): a name does not make a token less of a
token.

Passing::

    kind: ClusterRole
    rules:
      - apiGroups: [""]
        resources: [pods, services]
        verbs: [get, list, watch]

Failing::

    kind: ClusterRole
    rules:
      - apiGroups: [""]
        resources: [serviceaccounts/token]
        verbs: [create]
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity

ID = "rbac-escalation"
SEVERITY = Severity.ERROR
FAMILY = "rbac"

READ = ("get", "list", "watch")
# (API group, resource, verbs that count, what it gives)
GRANTS = (
    ("", "serviceaccounts/token", ("create",), "mint a token for any ServiceAccount"),
    ("", "pods/exec", ("create", "get"), "run commands in pods"),
    ("", "pods/attach", ("create", "get"), "attach to running containers"),
    ("", "nodes/proxy", ("*",), "reach the kubelet API, which runs commands in any pod"),
)
VERBS = {
    "escalate": "grant permissions it does not hold",
    "bind": "bind roles it does not hold",
    "impersonate": "act as other users, groups or ServiceAccounts",
}
# Read in every namespace only when a ClusterRoleBinding grants the role.
CLUSTER_READS = (("", "configmaps", "read every namespace's ConfigMaps"),
                 ("", "pods/log", "read every namespace's logs"))


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _in_group(wanted: str, groups: list[str]) -> bool:
    return wanted in groups or "*" in groups


def _verb_hits(wanted: tuple[str, ...], verbs: list[str]) -> list[str]:
    """The named verbs of `verbs` that count (any named verb for ("*",))."""
    named = [v for v in verbs if v != "*"]
    return named if wanted == ("*",) else [v for v in wanted if v in named]


def _cluster_bound(ctx: OverlayContext) -> set[str]:
    """ClusterRoles that some ClusterRoleBinding grants."""
    bound = set()
    for binding in ctx.index.of_kind("ClusterRoleBinding"):
        ref = binding.get("roleRef")
        if isinstance(ref, dict) and ref.get("kind") == "ClusterRole":
            bound.add(str(ref.get("name", "")))
    return bound


def check(ctx: OverlayContext) -> Iterator[Finding]:
    bound = _cluster_bound(ctx)
    for role in ctx.index.of_kind("Role", "ClusterRole"):
        if not role.api_version.startswith("rbac.authorization.k8s.io/"):
            continue
        cluster_wide = role.kind == "ClusterRole" and role.name in bound
        rules = role.get("rules")
        for i, rule in enumerate(rules if isinstance(rules, list) else []):
            if not isinstance(rule, dict):
                continue
            groups = _strings(rule.get("apiGroups"))
            resources = _strings(rule.get("resources"))
            verbs = _strings(rule.get("verbs"))
            for group, resource, wanted, gives in GRANTS:
                hits = _verb_hits(wanted, verbs)
                if hits and _in_group(group, groups) and resource in resources:
                    yield ctx.report(role, f"rule {i} can {'/'.join(hits)} {resource}: it can {gives}",
                                     hint="drop the rule, or give it to an admin-only role",
                                     path=("rules", i, "resources"))
            for verb, gives in VERBS.items():
                if verb in verbs:
                    yield ctx.report(role, f"rule {i} has the {verb!r} verb: it can {gives}",
                                     hint="drop the verb; bind the needed roles explicitly",
                                     path=("rules", i, "verbs"))
            if not cluster_wide:
                continue
            for group, resource, gives in CLUSTER_READS:
                hits = _verb_hits(READ, verbs)
                if hits and _in_group(group, groups) and resource in resources \
                        and not rule.get("resourceNames"):
                    yield ctx.report(role, f"rule {i} can {'/'.join(hits)} {resource} through a "
                                           f"ClusterRoleBinding: it can {gives}",
                                     hint="grant it per namespace with a RoleBinding",
                                     path=("rules", i, "resources"))
