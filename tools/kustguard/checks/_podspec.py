"""Walking a workload's pod spec: shared by the security, resources and PSS checks.

Private (the registry skips modules starting with ``_``). Field paths are
tuples from the object's root, so ``ctx.report(..., path=...)`` points at the
exact line.

Note for the lead: a teammate's ``_containers.iter_containers`` yields the
same ``(path, container, is_init)`` triples; the two can be merged.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kustguard.index import pod_template, pod_template_path
from kustguard.resources import FieldPath, Resource

CONTAINER_FIELDS = ("initContainers", "containers", "ephemeralContainers")


def pod_spec(workload: Resource) -> tuple[dict[str, Any], FieldPath]:
    """The pod spec of a workload (``{}`` if missing) and its field path."""
    template = pod_template(workload)
    spec = template.get("spec") if isinstance(template, dict) else None
    return (spec if isinstance(spec, dict) else {}), pod_template_path(workload) + ("spec",)


def pod_metadata(workload: Resource) -> dict[str, Any]:
    template = pod_template(workload)
    meta = template.get("metadata") if isinstance(template, dict) else None
    return meta if isinstance(meta, dict) else {}


def iter_containers(workload: Resource, *, ephemeral: bool = True
                    ) -> Iterator[tuple[FieldPath, dict[str, Any], bool]]:
    """Yield (field path, container, is_init) for every container of a workload.

    Order: init containers, containers, then ephemeral containers (unless
    ``ephemeral=False``). Entries that are not mappings are skipped.
    """
    spec, base = pod_spec(workload)
    for field in CONTAINER_FIELDS:
        if field == "ephemeralContainers" and not ephemeral:
            continue
        items = spec.get(field)
        if not isinstance(items, list):
            continue
        for i, container in enumerate(items):
            if isinstance(container, dict):
                yield base + (field, i), container, field == "initContainers"


def mapping(node: Any, *keys: str) -> dict[str, Any]:
    """A nested mapping, or ``{}`` when any step is missing or not a mapping."""
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def container_name(container: dict[str, Any]) -> str:
    return str(container.get("name") or "?")


def security_context(container_or_spec: dict[str, Any]) -> dict[str, Any]:
    return mapping(container_or_spec, "securityContext")


def context_path(container: dict[str, Any], path: FieldPath, *leaf: str) -> FieldPath:
    """The path to ``securityContext.<leaf>`` if set, else to the deepest part present.

    Findings about a missing setting point at the securityContext (or the
    container) so the reported line is where the fix goes.
    """
    node: Any = container
    out = path
    for key in ("securityContext", *leaf):
        if isinstance(node, dict) and key in node:
            node = node[key]
            out = out + (key,)
        else:
            break
    return out
