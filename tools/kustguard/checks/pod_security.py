"""Every pod meets the Pod Security Standard its namespace enforces.

A namespace labelled ``pod-security.kubernetes.io/enforce: baseline`` or
``restricted`` makes the API server refuse pods that break that level: a
Deployment is accepted, but its ReplicaSet never gets a pod, and Argo CD
shows a healthy sync of a broken app. This check evaluates every pod
template the way Pod Security Admission will, using the labels of the
Namespace object rendered in the same overlay:

- baseline: HostProcess, host namespaces, privileged, capabilities beyond
  the default set, hostPath volumes, host ports, AppArmor, SELinux, /proc
  mount type, Unconfined seccomp, unsafe sysctls;
- restricted: all of baseline plus volume types, allowPrivilegeEscalation
  false, runAsNonRoot true (pod or every container), runAsUser not 0,
  seccomp RuntimeDefault or Localhost (pod or every container), drop ALL
  capabilities and add at most NET_BIND_SERVICE.

One mistake, one finding: where the namespace enforces a level, this check
reports what breaks it, and the standalone checks of the same controls
(``privileged``, ``capabilities-drop-all``, ``host-namespaces``,
``host-path``, ``privilege-escalation``, ``run-as-non-root``) stay silent
on that container, volume or pod field. Elsewhere, those checks report it.

``pod-security.kubernetes.io/enforce-version`` pins the controls to an older
policy version; ``latest``, no label, or a version newer than the overlay's
Kubernetes version all mean the overlay's version. An invalid level is
enforced as restricted and an invalid version as latest (as the API server
does), and the Namespace gets a finding of its own. Namespaces without an
enforce label, or not rendered in the overlay, are not judged.

Passing::

    apiVersion: v1
    kind: Namespace
    metadata:
      name: shop
      labels: {pod-security.kubernetes.io/enforce: restricted}
    ---
    # a Deployment in shop, pod template spec:
    securityContext:
      runAsNonRoot: true
      seccompProfile: {type: RuntimeDefault}
    containers:
      - name: web
        image: nginx:1.27.3
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}

Failing::

    apiVersion: v1
    kind: Namespace
    metadata:
      name: shop
      labels: {pod-security.kubernetes.io/enforce: baseline}
    ---
    # a Deployment in shop, pod template spec:
    hostNetwork: true            # Host Namespaces
    containers:
      - name: web
        image: nginx:1.27.3
        securityContext:
          capabilities: {add: [NET_ADMIN]}   # Capabilities
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._containers import pod_spec, pod_spec_path
from kustguard.checks._podspec import pod_metadata
from kustguard.checks._pss import (ENFORCE_LABEL, ENFORCE_VERSION_LABEL, Policy, evaluate,
                                   parse_cluster_version, policy_from_labels)
from kustguard.findings import Finding, Severity
from kustguard.k8s.workloads import pod_template_path

ID = "pod-security"
SEVERITY = Severity.ERROR
FAMILY = "pod-security"


def check(ctx: OverlayContext) -> Iterator[Finding]:
    cluster = parse_cluster_version(ctx.environment.kubernetes_version)
    policies: dict[str, Policy | None] = {}
    for namespace in sorted(n for n in ctx.index.namespaces() if n):
        policy = policy_from_labels(ctx.index.namespace_labels(namespace), cluster)
        policies[namespace] = policy
        ns_object = ctx.index.get("Namespace", "", namespace)
        for error in policy.errors if policy else ():
            label = ENFORCE_VERSION_LABEL if error.startswith(ENFORCE_VERSION_LABEL) else ENFORCE_LABEL
            yield ctx.report(ns_object, f"namespace {namespace!r}: {error}",
                             hint="use privileged, baseline or restricted, and latest or v1.<minor>",
                             path=("metadata", "labels", label))

    for workload in ctx.index.workloads():
        namespace = ctx.index.namespace_of(workload)
        policy = policies.get(namespace)
        if policy is None or policy.level == "privileged":
            continue
        violations = evaluate(pod_metadata(workload), pod_spec(workload), policy,
                              spec_path=pod_spec_path(workload),
                              metadata_path=pod_template_path(workload) + ("metadata",))
        for violation in violations:
            yield ctx.report(
                workload,
                f"{violation.control}: {violation.subject} {violation.detail} "
                f"(namespace {namespace!r} enforces {policy})",
                hint=violation.hint,
                path=violation.path,
                extra={"control": violation.control},
            )
