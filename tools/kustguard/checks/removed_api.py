"""No object uses an API version removed in the overlay's Kubernetes version.

The API server of that version rejects the object outright ("no matches for
kind"), so the sync fails. The table below lists the removals of the
Kubernetes deprecation guide, with the version each was removed in and the
API to move to; the overlay's version is ``kubernetesVersion`` in its
environment.yaml.

Passing::

    # kubernetesVersion: "1.32"
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler

Failing::

    # kubernetesVersion: "1.32"
    apiVersion: autoscaling/v2beta2     # removed in 1.26
    kind: HorizontalPodAutoscaler
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity

ID = "removed-api"
SEVERITY = Severity.ERROR
FAMILY = "api"
KUBE_LINTER = ("no-extensions-v1beta",)


def _entries(removed_in: str, replacement: str, api_versions: tuple[str, ...],
             kinds: tuple[str, ...]) -> dict[tuple[str, str], tuple[str, str]]:
    return {(a, k): (removed_in, replacement) for a in api_versions for k in kinds}


# (apiVersion, kind) -> (removed in, replacement apiVersion or advice)
REMOVED: dict[tuple[str, str], tuple[str, str]] = {
    # 1.16
    **_entries("1.16", "networking.k8s.io/v1", ("extensions/v1beta1",), ("NetworkPolicy",)),
    **_entries("1.16", "policy/v1beta1 (itself removed in 1.25)", ("extensions/v1beta1",),
               ("PodSecurityPolicy",)),
    **_entries("1.16", "apps/v1", ("extensions/v1beta1", "apps/v1beta2"), ("DaemonSet",)),
    **_entries("1.16", "apps/v1", ("extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"),
               ("Deployment", "ReplicaSet")),
    **_entries("1.16", "apps/v1", ("apps/v1beta1", "apps/v1beta2"), ("StatefulSet",)),
    # 1.22
    **_entries("1.22", "admissionregistration.k8s.io/v1", ("admissionregistration.k8s.io/v1beta1",),
               ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")),
    **_entries("1.22", "apiextensions.k8s.io/v1", ("apiextensions.k8s.io/v1beta1",),
               ("CustomResourceDefinition",)),
    **_entries("1.22", "apiregistration.k8s.io/v1", ("apiregistration.k8s.io/v1beta1",),
               ("APIService",)),
    **_entries("1.22", "authentication.k8s.io/v1", ("authentication.k8s.io/v1beta1",),
               ("TokenReview",)),
    **_entries("1.22", "authorization.k8s.io/v1", ("authorization.k8s.io/v1beta1",),
               ("SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview")),
    **_entries("1.22", "certificates.k8s.io/v1", ("certificates.k8s.io/v1beta1",),
               ("CertificateSigningRequest",)),
    **_entries("1.22", "coordination.k8s.io/v1", ("coordination.k8s.io/v1beta1",), ("Lease",)),
    **_entries("1.22", "networking.k8s.io/v1", ("extensions/v1beta1", "networking.k8s.io/v1beta1"),
               ("Ingress",)),
    **_entries("1.22", "networking.k8s.io/v1", ("networking.k8s.io/v1beta1",), ("IngressClass",)),
    **_entries("1.22", "rbac.authorization.k8s.io/v1",
               ("rbac.authorization.k8s.io/v1beta1", "rbac.authorization.k8s.io/v1alpha1"),
               ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")),
    **_entries("1.22", "scheduling.k8s.io/v1", ("scheduling.k8s.io/v1beta1",), ("PriorityClass",)),
    **_entries("1.22", "storage.k8s.io/v1", ("storage.k8s.io/v1beta1",),
               ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment")),
    # 1.25
    **_entries("1.25", "batch/v1", ("batch/v1beta1",), ("CronJob",)),
    **_entries("1.25", "discovery.k8s.io/v1", ("discovery.k8s.io/v1beta1",), ("EndpointSlice",)),
    **_entries("1.25", "events.k8s.io/v1", ("events.k8s.io/v1beta1",), ("Event",)),
    **_entries("1.25", "autoscaling/v2", ("autoscaling/v2beta1",), ("HorizontalPodAutoscaler",)),
    **_entries("1.25", "policy/v1", ("policy/v1beta1",), ("PodDisruptionBudget",)),
    **_entries("1.25", "nothing: use Pod Security Admission (namespace labels)",
               ("policy/v1beta1",), ("PodSecurityPolicy",)),
    **_entries("1.25", "node.k8s.io/v1", ("node.k8s.io/v1beta1",), ("RuntimeClass",)),
    # 1.26
    **_entries("1.26", "flowcontrol.apiserver.k8s.io/v1", ("flowcontrol.apiserver.k8s.io/v1beta1",),
               ("FlowSchema", "PriorityLevelConfiguration")),
    **_entries("1.26", "autoscaling/v2", ("autoscaling/v2beta2",), ("HorizontalPodAutoscaler",)),
    # 1.27
    **_entries("1.27", "storage.k8s.io/v1", ("storage.k8s.io/v1beta1",), ("CSIStorageCapacity",)),
    # 1.29
    **_entries("1.29", "flowcontrol.apiserver.k8s.io/v1", ("flowcontrol.apiserver.k8s.io/v1beta2",),
               ("FlowSchema", "PriorityLevelConfiguration")),
    # 1.32
    **_entries("1.32", "flowcontrol.apiserver.k8s.io/v1", ("flowcontrol.apiserver.k8s.io/v1beta3",),
               ("FlowSchema", "PriorityLevelConfiguration")),
}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in str(text).split("."))


def check(ctx: OverlayContext) -> Iterator[Finding]:
    cluster = _version(ctx.environment.kubernetes_version)
    for resource in ctx.index.resources:
        entry = REMOVED.get((resource.api_version, resource.kind))
        if entry is None or _version(entry[0]) > cluster:
            continue
        removed_in, replacement = entry
        yield ctx.report(
            resource,
            f"{resource.kind} {resource.api_version} was removed in Kubernetes {removed_in}; "
            f"this overlay targets {ctx.environment.kubernetes_version}",
            hint=f"migrate to {replacement}",
            path=("apiVersion",),
        )
