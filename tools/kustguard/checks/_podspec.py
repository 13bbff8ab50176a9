"""Security-context helpers for the security, resources and PSS checks.

Private (the registry skips modules starting with ``_``). Walking a pod spec
(containers, volumes, paths) is done with the shared ``_containers`` module;
this one only adds what reading securityContext needs. Field paths are tuples
from the object's root, so ``ctx.report(..., path=...)`` points at the line.
"""
from __future__ import annotations

from typing import Any

from kustguard.k8s.workloads import pod_template
from kustguard.resources import FieldPath, Resource


def pod_metadata(workload: Resource) -> dict[str, Any]:
    template = pod_template(workload)
    meta = template.get("metadata") if isinstance(template, dict) else None
    return meta if isinstance(meta, dict) else {}


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
