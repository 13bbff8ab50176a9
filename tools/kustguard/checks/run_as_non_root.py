"""Every container is required to run as a non-root user (runAsNonRoot: true).

With runAsNonRoot true the kubelet refuses to start a container whose
image would run as UID 0, so a base-image change cannot silently bring
root back. The setting may be made once at pod level
(spec.securityContext) or per container; a container-level value overrides
the pod's. A runAsUser of 0 together with runAsNonRoot true is reported too:
the kubelet would refuse to start that container.

Passing::

    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      containers:
        - name: web
          image: nginx:1.27.3

Failing::

    spec:
      containers:
        - name: web
          image: nginx:1.27.3
          securityContext:
            runAsNonRoot: false
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._containers import iter_containers, pod_spec, pod_spec_path
from kustguard.checks._podspec import container_name, context_path, security_context
from kustguard.findings import Finding, Severity

ID = "run-as-non-root"
SEVERITY = Severity.WARNING
FAMILY = "security"
KUBE_LINTER = ("run-as-non-root",)
CHECKOV = ("CKV_K8S_23",)

HINT = "set securityContext.runAsNonRoot: true (pod level or per container) and a non-zero runAsUser"


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for workload in ctx.index.workloads():
        spec, spec_path = pod_spec(workload), pod_spec_path(workload)
        pod_sc = security_context(spec)
        for path, container, *_ in iter_containers(workload):
            sc = security_context(container)
            name = container_name(container)
            if "runAsNonRoot" in sc:
                non_root, where = sc["runAsNonRoot"], path + ("securityContext", "runAsNonRoot")
            elif "runAsNonRoot" in pod_sc:
                non_root, where = pod_sc["runAsNonRoot"], spec_path + ("securityContext", "runAsNonRoot")
            else:
                non_root, where = None, context_path(container, path, "runAsNonRoot")
            if "runAsUser" in sc:
                uid, uid_at = sc["runAsUser"], path + ("securityContext", "runAsUser")
            else:
                uid, uid_at = pod_sc.get("runAsUser"), spec_path + ("securityContext", "runAsUser")

            if non_root is True:
                if uid == 0:
                    yield ctx.report(
                        workload,
                        f"container {name!r} sets runAsNonRoot but runAsUser 0: "
                        "the kubelet will refuse to start it",
                        hint="set runAsUser to the image's non-root UID",
                        path=uid_at,
                    )
                continue
            state = "is false" if non_root is False else "is not set at pod or container level"
            yield ctx.report(workload, f"container {name!r} runAsNonRoot {state}",
                             hint=HINT, path=where)
