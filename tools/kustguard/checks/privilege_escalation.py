"""Every container sets allowPrivilegeEscalation: false.

Unset, it defaults to true: a setuid binary in the image (or a privileged
parent) can gain more privileges than the process started with. Only an
explicit false turns on no_new_privs.

Passing::

    containers:
      - name: web
        image: nginx:1.27.3
        securityContext:
          allowPrivilegeEscalation: false

Failing::

    containers:
      - name: web
        image: nginx:1.27.3      # allowPrivilegeEscalation unset: defaults to true
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._containers import iter_containers
from kustguard.checks._podspec import container_name, context_path, security_context
from kustguard.findings import Finding, Severity

ID = "privilege-escalation"
SEVERITY = Severity.WARNING
FAMILY = "security"
KUBE_LINTER = ("privilege-escalation-container",)
CHECKOV = ("CKV_K8S_20",)


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for workload in ctx.index.workloads():
        for path, container, *_ in iter_containers(workload):
            value = security_context(container).get("allowPrivilegeEscalation")
            if value is False:
                continue
            state = "is true" if value is True else "is not set (defaults to true)"
            yield ctx.report(
                workload,
                f"container {container_name(container)!r} allowPrivilegeEscalation {state}",
                hint="set securityContext.allowPrivilegeEscalation: false",
                path=context_path(container, path, "allowPrivilegeEscalation"),
            )
