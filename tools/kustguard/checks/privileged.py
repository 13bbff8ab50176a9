"""No container runs privileged.

A privileged container has every capability and all host devices; it is
root on the node in all but name, and a breakout is one mount away.

Passing::

    containers:
      - name: web
        image: nginx:1.27.3
        securityContext:
          privileged: false

Failing::

    containers:
      - name: web
        image: nginx:1.27.3
        securityContext:
          privileged: true
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._containers import iter_containers
from kustguard.checks._podspec import container_name, security_context
from kustguard.findings import Finding, Severity

ID = "privileged"
SEVERITY = Severity.ERROR
FAMILY = "security"
KUBE_LINTER = ("privileged-container",)
CHECKOV = ("CKV_K8S_16",)


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for workload in ctx.index.workloads():
        for path, container, *_ in iter_containers(workload):
            if security_context(container).get("privileged") is True:
                yield ctx.report(
                    workload,
                    f"container {container_name(container)!r} runs privileged",
                    hint="remove securityContext.privileged; add only the capabilities it needs",
                    path=path + ("securityContext", "privileged"),
                )
