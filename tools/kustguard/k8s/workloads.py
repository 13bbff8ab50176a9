"""Which objects carry a pod template, and where.

One table, keyed by (API group, kind): the core workloads, CronJob's nested
template, and the common custom workloads whose pods the same rules apply
to. Every check that reads containers, and the network-policy engine, go
through it, so a DeploymentConfig or an Argo Rollout gets the findings a
Deployment gets. Keyed by group too: Knative's `Service` holds a pod
template, the core `Service` does not.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kustguard.resources import FieldPath, Resource


@dataclass(frozen=True)
class TemplateKind:
    group: str                # API group, "" for the core group
    kind: str
    template: FieldPath       # from the object's root to metadata + spec; () for a Pod
    long_running: bool        # its containers keep running (probes apply)


TEMPLATE_KINDS: tuple[TemplateKind, ...] = (
    TemplateKind("", "Pod", (), True),
    TemplateKind("", "ReplicationController", ("spec", "template"), True),
    TemplateKind("apps", "Deployment", ("spec", "template"), True),
    TemplateKind("apps", "StatefulSet", ("spec", "template"), True),
    TemplateKind("apps", "DaemonSet", ("spec", "template"), True),
    TemplateKind("apps", "ReplicaSet", ("spec", "template"), True),
    TemplateKind("batch", "Job", ("spec", "template"), False),
    TemplateKind("batch", "CronJob", ("spec", "jobTemplate", "spec", "template"), False),
    # OpenShift's DeploymentConfig, Argo Rollouts, Knative Serving, KEDA.
    TemplateKind("apps.openshift.io", "DeploymentConfig", ("spec", "template"), True),
    TemplateKind("argoproj.io", "Rollout", ("spec", "template"), True),
    TemplateKind("serving.knative.dev", "Service", ("spec", "template"), True),
    TemplateKind("keda.sh", "ScaledJob", ("spec", "jobTargetRef", "template"), False),
)
_BY_KEY = {(t.group, t.kind): t for t in TEMPLATE_KINDS}


def template_kind(res: Resource) -> TemplateKind | None:
    """The table row of an object's (group, kind), or None."""
    return _BY_KEY.get((res.group, res.kind))


def pod_template(res: Resource) -> dict[str, Any] | None:
    """The pod template (metadata + spec) of a workload, or None when it has
    none or it is not a mapping."""
    row = template_kind(res)
    if row is None:
        return None
    node: Any = res.obj
    for key in row.template:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def pod_template_path(res: Resource) -> FieldPath:
    row = template_kind(res)
    return row.template if row else ("spec", "template")


def is_long_running(res: Resource) -> bool:
    row = template_kind(res)
    return bool(row and row.long_running)
