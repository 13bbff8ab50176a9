"""Every container sets a CPU request, a memory request and a memory limit.

Requests are what the scheduler places pods by; without them a node is
overcommitted blindly and the pod is the first evicted (BestEffort). Memory
is incompressible, so a memory limit is required: a leaking container
without one pushes the whole node into OOM and takes its neighbours down.

A CPU limit is deliberately *not* required (kube-linter's
unset-cpu-requirements asks for one): CPU is compressible, and a CFS quota
throttles a container even while the node has idle cores, which shows up as
latency spikes rather than as any error. The CPU request already guarantees
the container its share under contention. Set a CPU limit where you need
it; this check does not ask for it.

Values filled in by the API server count as set: a missing request takes
the container's limit, and a LimitRange of type Container in the same
namespace supplies defaultRequest/default. Init containers are checked too
(their requests count for scheduling); ephemeral containers cannot set
resources and are skipped.

Passing::

    containers:
      - name: web
        image: nginx:1.27.3
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {memory: 256Mi}

Failing::

    containers:
      - name: web
        image: nginx:1.27.3
        resources:
          limits: {cpu: 500m}     # no memory request or limit; cpu request = limit
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._containers import iter_containers
from kustguard.checks._podspec import container_name, mapping
from kustguard.findings import Finding, Severity

ID = "resources-set"
SEVERITY = Severity.WARNING
FAMILY = "resources"
KUBE_LINTER = ("unset-cpu-requirements", "unset-memory-requirements")
CHECKOV = ("CKV_K8S_10", "CKV_K8S_12", "CKV_K8S_13")


def _limit_range_defaults(ctx: OverlayContext) -> dict[str, tuple[dict, dict]]:
    """namespace -> (defaultRequest, default) merged over its Container LimitRanges."""
    out: dict[str, tuple[dict, dict]] = {}
    for lr in ctx.index.of_kind("LimitRange"):
        requests, limits = out.setdefault(ctx.index.namespace_of(lr), ({}, {}))
        for item in lr.get("spec", "limits", default=None) or []:
            if not isinstance(item, dict) or item.get("type", "Container") != "Container":
                continue
            default = mapping(item, "default")
            # The API server defaults defaultRequest to default when it is unset.
            default_request = {**default, **mapping(item, "defaultRequest")}
            for name, value in default_request.items():
                requests.setdefault(name, value)
            for name, value in default.items():
                limits.setdefault(name, value)
    return out


def check(ctx: OverlayContext) -> Iterator[Finding]:
    defaults = _limit_range_defaults(ctx)
    for workload in ctx.index.workloads():
        ns_requests, ns_limits = defaults.get(ctx.index.namespace_of(workload), ({}, {}))
        for path, container, *_ in iter_containers(workload, ephemeral=False):
            resources = mapping(container, "resources")
            requests = mapping(resources, "requests")
            limits = mapping(resources, "limits")

            def has_request(name: str) -> bool:
                return name in requests or name in limits or name in ns_requests

            missing = []
            if not has_request("cpu"):
                missing.append("cpu request")
            if not has_request("memory"):
                missing.append("memory request")
            if "memory" not in limits and "memory" not in ns_limits:
                missing.append("memory limit")
            if not missing:
                continue
            yield ctx.report(
                workload,
                f"container {container_name(container)!r} has no {', '.join(missing)}",
                hint="set resources.requests.cpu, resources.requests.memory and "
                     "resources.limits.memory (a CPU limit is optional)",
                path=path + (("resources",) if "resources" in container else ()),
            )
