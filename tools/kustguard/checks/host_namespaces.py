"""No pod shares the node's network, PID or IPC namespace.

hostNetwork puts the pod on the node's interfaces (it can bind any node
port and reach loopback-only services); hostPID lets it see and signal every
process on the node; hostIPC gives it the node's shared memory.

Passing::

    spec:
      containers:
        - name: web
          image: nginx:1.27.3

Failing::

    spec:
      hostNetwork: true
      hostPID: true
      containers:
        - name: web
          image: nginx:1.27.3
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._containers import pod_spec, pod_spec_path
from kustguard.findings import Finding, Severity

ID = "host-namespaces"
SEVERITY = Severity.ERROR
FAMILY = "security"
KUBE_LINTER = ("host-network", "host-pid", "host-ipc")
CHECKOV = ("CKV_K8S_19", "CKV_K8S_17", "CKV_K8S_18")

NAMESPACES = {"hostNetwork": "network", "hostPID": "process (PID)", "hostIPC": "IPC"}


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for workload in ctx.index.workloads():
        spec, spec_path = pod_spec(workload), pod_spec_path(workload)
        for field, what in NAMESPACES.items():
            if spec.get(field) is True:
                yield ctx.report(
                    workload,
                    f"pod shares the node's {what} namespace ({field}: true)",
                    hint=f"remove {field}; expose ports through a Service instead"
                    if field == "hostNetwork" else f"remove {field}",
                    path=spec_path + (field,),
                )
