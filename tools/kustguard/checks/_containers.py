"""Pod-spec walking shared by the checks: containers, volumes, ports, env.

Written once here so every check reads a pod spec the same way, with field
paths from the object's root (for file:line locations).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from kustguard.k8s.workloads import is_long_running, pod_template, pod_template_path
from kustguard.resources import FieldPath, Resource

CONTAINER_FIELDS = ("initContainers", "containers", "ephemeralContainers")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


class ContainerAt(NamedTuple):
    """One container of a pod spec, with where it sits."""

    path: FieldPath          # from the object root, e.g. spec.template.spec.containers[0]
    container: dict[str, Any]
    is_init: bool            # in initContainers (sidecars included; see is_sidecar)
    field: str = "containers"

    @property
    def name(self) -> str:
        return str(self.container.get("name", ""))

    @property
    def is_sidecar(self) -> bool:
        """A native sidecar: an init container with restartPolicy Always."""
        return self.is_init and self.container.get("restartPolicy") == "Always"

    @property
    def runs_alongside(self) -> bool:
        """Runs for the pod's life: a regular container or a native sidecar."""
        return self.field == "containers" or self.is_sidecar


def pod_spec(workload: Resource) -> dict[str, Any]:
    template = pod_template(workload)
    spec = template.get("spec") if isinstance(template, dict) else None
    return spec if isinstance(spec, dict) else {}


def pod_spec_path(workload: Resource) -> FieldPath:
    return pod_template_path(workload) + ("spec",)


def pod_labels(workload: Resource) -> dict[str, str]:
    template = pod_template(workload)
    meta = template.get("metadata") if isinstance(template, dict) else None
    labels = meta.get("labels") if isinstance(meta, dict) else None
    return labels if isinstance(labels, dict) else {}


def iter_containers(workload: Resource, *, ephemeral: bool = True) -> Iterator[ContainerAt]:
    """Every container of a workload's pod spec: init, regular, ephemeral."""
    spec = pod_spec(workload)
    base = pod_spec_path(workload)
    for field in CONTAINER_FIELDS:
        if field == "ephemeralContainers" and not ephemeral:
            continue
        items = spec.get(field)
        if not isinstance(items, list):
            continue
        for i, container in enumerate(items):
            if isinstance(container, dict):
                yield ContainerAt(base + (field, i), container, field == "initContainers", field)


def long_running_containers(workload: Resource) -> Iterator[ContainerAt]:
    """Containers expected to keep running: those of long-running workloads,
    regular ones and native sidecars (not init containers that exit, not
    ephemeral debug containers, nothing of a Job or CronJob)."""
    if not is_long_running(workload):
        return
    for c in iter_containers(workload, ephemeral=False):
        if c.runs_alongside:
            yield c


def iter_volumes(workload: Resource) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    spec = pod_spec(workload)
    base = pod_spec_path(workload)
    items = spec.get("volumes")
    if isinstance(items, list):
        for i, volume in enumerate(items):
            if isinstance(volume, dict):
                yield base + ("volumes", i), volume


def container_ports(container: dict[str, Any]) -> list[dict[str, Any]]:
    ports = container.get("ports")
    return [p for p in ports if isinstance(p, dict)] if isinstance(ports, list) else []


def as_port_number(value: Any) -> int | None:
    """An IntOrString port as a number, or None when it is a name."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def has_port(container: dict[str, Any], port: Any, protocol: str | None = None) -> bool:
    """Whether a container declares a port, given by number or by name
    (with the protocol too when one is given)."""
    number = as_port_number(port)
    for declared in container_ports(container):
        if protocol and str(declared.get("protocol") or "TCP") != protocol:
            continue
        if number is not None:
            if as_port_number(declared.get("containerPort")) == number:
                return True
        elif declared.get("name") == port:
            return True
    return False


def env_entries(container: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    env = container.get("env")
    if not isinstance(env, list):
        return []
    return [(i, e) for i, e in enumerate(env) if isinstance(e, dict) and isinstance(e.get("name"), str) and e["name"]]


def env_from_entries(container: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    env_from = container.get("envFrom")
    if not isinstance(env_from, list):
        return []
    return [(i, e) for i, e in enumerate(env_from) if isinstance(e, dict)]


def string_list(value: Any) -> list[str]:
    """command/args as strings (YAML may hand over numbers)."""
    if not isinstance(value, list):
        return []
    return [str(v) for v in value if v is not None and not isinstance(v, (dict, list))]
