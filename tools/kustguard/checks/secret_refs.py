"""Every Secret and ConfigMap a pod refers to exists in the overlay, with the key.

Covers ``env[].valueFrom.secretKeyRef``/``configMapKeyRef``, ``envFrom``,
secret and configMap volumes (with their ``items``), projected volume sources
and ``imagePullSecrets``, in the pod's own namespace of the same rendered
overlay. References marked ``optional: true`` are exempt. A Secret's keys are
its ``data`` plus ``stringData``; a ServiceAccount token Secret gets its keys
from the cluster, so only its existence is checked. Secrets created by a
cert-manager Certificate, a SealedSecret or an ExternalSecret count as present,
and so do the Secrets the entry point's ``environment.yaml`` declares under
``externalSecrets`` (created by a bootstrap script, or by the software itself),
with the keys it lists.

Passing::

    kind: Secret
    metadata: {name: db, namespace: todo}
    data: {password: ENC[AES256_GCM,...]}
    ---
    kind: Deployment
    metadata: {name: api, namespace: todo}
    ...
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef: {name: db, key: password}

Failing::

          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef: {name: db, key: passwd}   # db has no key passwd
          envFrom:
            - configMapRef: {name: api-config}          # no such ConfigMap
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from kustguard.checks import OverlayContext
from kustguard.checks._configdata import ConfigData, Provided
from kustguard.checks._containers import (
    env_entries, env_from_entries, iter_containers, iter_volumes, pod_spec, pod_spec_path,
)
from kustguard.findings import Finding, Severity
from kustguard.resources import FieldPath, Resource

ID = "secret-refs"
SEVERITY = Severity.ERROR
FAMILY = "secrets"


@dataclass(frozen=True)
class Reference:
    kind: str            # Secret or ConfigMap
    name: str
    keys: tuple[tuple[str, FieldPath], ...]   # (key, where it is named)
    path: FieldPath      # where the object is named
    user: str            # who refers to it, for the message


def _optional(ref: dict) -> bool:
    return ref.get("optional") is True


def _items(source: dict, path: FieldPath) -> tuple[tuple[str, FieldPath], ...]:
    items = source.get("items")
    if not isinstance(items, list):
        return ()
    return tuple((str(item["key"]), path + ("items", i, "key"))
                 for i, item in enumerate(items) if isinstance(item, dict) and item.get("key") is not None)


def references(workload: Resource) -> Iterator[Reference]:
    """Every non-optional Secret/ConfigMap reference of a workload's pod spec."""
    for c in iter_containers(workload):
        who = f"container {c.name!r}"
        for i, env in env_entries(c.container):
            value_from = env.get("valueFrom")
            if not isinstance(value_from, dict):
                continue
            for field, kind in (("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")):
                ref = value_from.get(field)
                if isinstance(ref, dict) and ref.get("name") and not _optional(ref):
                    path = c.path + ("env", i, "valueFrom", field)
                    keys = ((str(ref["key"]), path + ("key",)),) if ref.get("key") is not None else ()
                    yield Reference(kind, str(ref["name"]), keys, path + ("name",),
                                    f"{who} env {env['name']}")
        for i, source in env_from_entries(c.container):
            for field, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
                ref = source.get(field)
                if isinstance(ref, dict) and ref.get("name") and not _optional(ref):
                    yield Reference(kind, str(ref["name"]), (), c.path + ("envFrom", i, field, "name"),
                                    f"{who} envFrom")
    for vpath, volume in iter_volumes(workload):
        who = f"volume {volume.get('name')!r}"
        secret = volume.get("secret")
        if isinstance(secret, dict) and secret.get("secretName") and not _optional(secret):
            yield Reference("Secret", str(secret["secretName"]), _items(secret, vpath + ("secret",)),
                            vpath + ("secret", "secretName"), who)
        cm = volume.get("configMap")
        if isinstance(cm, dict) and cm.get("name") and not _optional(cm):
            yield Reference("ConfigMap", str(cm["name"]), _items(cm, vpath + ("configMap",)),
                            vpath + ("configMap", "name"), who)
        sources = volume.get("projected", {}).get("sources") if isinstance(volume.get("projected"), dict) else None
        for j, source in enumerate(sources if isinstance(sources, list) else []):
            if not isinstance(source, dict):
                continue
            for field, kind in (("secret", "Secret"), ("configMap", "ConfigMap")):
                ref = source.get(field)
                if isinstance(ref, dict) and ref.get("name") and not _optional(ref):
                    spath = vpath + ("projected", "sources", j, field)
                    yield Reference(kind, str(ref["name"]), _items(ref, spath), spath + ("name",), who)
    pull = pod_spec(workload).get("imagePullSecrets")
    for i, ref in enumerate(pull if isinstance(pull, list) else []):
        if isinstance(ref, dict) and ref.get("name"):
            yield Reference("Secret", str(ref["name"]), (),
                            pod_spec_path(workload) + ("imagePullSecrets", i, "name"), "imagePullSecrets")


def check(ctx: OverlayContext) -> Iterator[Finding]:
    data = ConfigData.of(ctx.index)
    for workload in ctx.index.workloads():
        ns = ctx.index.namespace_of(workload)
        for ref in references(workload):
            provided = data.lookup(ref.kind, ns, ref.name)
            if provided is None and ref.kind == "Secret" and ctx.environment is not None \
                    and (ns, ref.name) in ctx.environment.external_secrets:
                provided = Provided(workload, ctx.environment.external_secrets[(ns, ref.name)])
            if provided is None:
                yield ctx.report(
                    workload,
                    f"{ref.user} refers to {ref.kind} {ref.name!r}, which the overlay does not "
                    f"render in namespace {ns!r}",
                    hint=f"add the {ref.kind} to the overlay (a Secret SOPS-encrypted), fix the name, "
                         f"or mark the reference optional: true",
                    path=ref.path,
                )
                continue
            if provided.keys is None:
                continue
            for key, key_path in ref.keys:
                if key not in provided.keys:
                    known = ", ".join(sorted(provided.keys)) or "none"
                    yield ctx.report(
                        workload,
                        f"{ref.user} refers to key {key!r} of {ref.kind} {ref.name!r}, which has no such key",
                        hint=f"its keys are: {known}; fix the key or add it to the {ref.kind}",
                        path=key_path,
                    )
