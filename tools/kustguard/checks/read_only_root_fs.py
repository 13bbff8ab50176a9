"""Every container mounts its root filesystem read-only.

A writable root filesystem lets an intruder drop tools and persist changes
inside the container. Mount an emptyDir where the app really writes (/tmp,
a cache directory).

Passing::

    containers:
      - name: web
        image: nginx:1.27.3
        securityContext:
          readOnlyRootFilesystem: true
        volumeMounts:
          - {name: tmp, mountPath: /tmp}

Failing::

    containers:
      - name: web
        image: nginx:1.27.3
        securityContext:
          readOnlyRootFilesystem: false
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._containers import iter_containers
from kustguard.checks._podspec import container_name, context_path, security_context
from kustguard.findings import Finding, Severity

ID = "read-only-root-fs"
SEVERITY = Severity.WARNING
FAMILY = "security"
KUBE_LINTER = ("no-read-only-root-fs",)
CHECKOV = ("CKV_K8S_22",)


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for workload in ctx.index.workloads():
        for path, container, *_ in iter_containers(workload):
            value = security_context(container).get("readOnlyRootFilesystem")
            if value is True:
                continue
            state = "is false" if value is False else "is not set"
            yield ctx.report(
                workload,
                f"container {container_name(container)!r} readOnlyRootFilesystem {state}",
                hint="set securityContext.readOnlyRootFilesystem: true and mount an "
                     "emptyDir where the app writes",
                path=context_path(container, path, "readOnlyRootFilesystem"),
            )
