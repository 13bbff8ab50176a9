"""No pod mounts a hostPath volume.

A hostPath volume exposes the node's filesystem to the pod: a writable
mount of /, /etc, /var/run/containerd.sock or the kubelet's directories is a
direct route to the node. Use a PersistentVolumeClaim, a ConfigMap or an
emptyDir instead; a node agent that really needs one says so in a
suppression annotation.

Passing::

    volumes:
      - name: cache
        emptyDir: {}

Failing::

    volumes:
      - name: docker
        hostPath:
          path: /var/run/docker.sock
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._containers import iter_volumes
from kustguard.findings import Finding, Severity

ID = "host-path"
SEVERITY = Severity.WARNING
FAMILY = "security"
# kube-linter's checks are narrower (sensitive directories, the docker socket,
# writable mounts); their suppressions are honoured for the same volume.
KUBE_LINTER = ("sensitive-host-mounts", "docker-sock", "writable-host-mount")
CHECKOV = ("CKV_K8S_27",)


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for workload in ctx.index.workloads():
        for path, volume in iter_volumes(workload):
            if "hostPath" not in volume:
                continue
            host = volume.get("hostPath")
            where = host.get("path") if isinstance(host, dict) else None
            yield ctx.report(
                workload,
                f"volume {volume.get('name')!r} mounts the node's path {where!r} (hostPath)",
                hint="use a PersistentVolumeClaim, ConfigMap or emptyDir instead",
                path=path + ("hostPath",),
            )
