"""Every container drops ALL Linux capabilities (adding back only what it needs).

The default capability set of a container runtime includes NET_RAW,
SETUID, CHOWN and more; few applications need any of them. Dropping ALL
and adding single capabilities back (NET_BIND_SERVICE for a port below
1024) keeps a compromised process from using them. containerd and CRI-O
match `all` in any case, so `drop: [all]` does drop every capability; it
gets an info finding only because Pod Security "restricted" accepts
nothing but `ALL`, in capitals.

Passing::

    containers:
      - name: web
        image: nginx:1.27.3
        securityContext:
          capabilities:
            drop: [ALL]
            add: [NET_BIND_SERVICE]

Failing::

    containers:
      - name: web
        image: nginx:1.27.3
        securityContext:
          capabilities:
            drop: [NET_RAW]      # the rest of the default set stays
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._containers import iter_containers
from kustguard.checks._podspec import container_name, context_path, mapping
from kustguard.findings import Finding, Severity

ID = "capabilities-drop-all"
SEVERITY = Severity.WARNING
FAMILY = "security"
KUBE_LINTER = ("drop-net-raw-capability",)
CHECKOV = ("CKV_K8S_37", "CKV_K8S_28")


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for workload in ctx.index.workloads():
        for path, container, *_ in iter_containers(workload):
            drop = mapping(container, "securityContext", "capabilities").get("drop")
            dropped = [str(c) for c in drop] if isinstance(drop, list) else []
            if "ALL" in dropped:
                continue
            where = context_path(container, path, "capabilities", "drop")
            if any(c.upper() == "ALL" for c in dropped):
                yield ctx.report(
                    workload,
                    f"container {container_name(container)!r} drops every capability as "
                    "'all'; Pod Security \"restricted\" only accepts 'ALL'",
                    hint="write drop: [ALL] in capitals", path=where, severity=Severity.INFO)
                continue
            yield ctx.report(
                workload,
                f"container {container_name(container)!r} does not drop ALL capabilities",
                hint="set securityContext.capabilities.drop: [ALL] and add back only "
                     "what the app needs",
                path=where,
            )
