"""A PersistentVolumeClaim's storage class is one the environment provides.

``spec.storageClassName`` of a PVC, and of a StatefulSet's
``volumeClaimTemplates``, must be one of the environment's ``storageClasses``
(``environment.yaml``) or a StorageClass the overlay renders; otherwise the
claim stays Pending. A claim without ``storageClassName`` uses the cluster's
default class, and ``""`` asks for a pre-provisioned volume: both pass. If the
environment declares no storage classes, nothing is reported.

Passing::

    # environment.yaml: storageClasses: [local-path]
    kind: PersistentVolumeClaim
    spec:
      storageClassName: local-path

Failing::

    # environment.yaml: storageClasses: [local-path]
    kind: PersistentVolumeClaim
    spec:
      storageClassName: gp3
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity
from kustguard.resources import FieldPath, Resource

ID = "storage-class"
SEVERITY = Severity.ERROR
FAMILY = "references"


def claims(index_resources) -> Iterator[tuple[Resource, str, FieldPath, str]]:
    """(object, claim name, path of storageClassName, class) of every claim with a class."""
    for res in index_resources:
        if res.kind == "PersistentVolumeClaim":
            value = res.get("spec", "storageClassName")
            if value:
                yield res, res.name, ("spec", "storageClassName"), str(value)
        elif res.kind == "StatefulSet":
            templates = res.get("spec", "volumeClaimTemplates")
            for i, tpl in enumerate(templates if isinstance(templates, list) else []):
                value = tpl.get("spec", {}).get("storageClassName") if isinstance(tpl, dict) \
                    and isinstance(tpl.get("spec"), dict) else None
                if value:
                    name = (tpl.get("metadata") or {}).get("name", str(i))
                    yield (res, str(name), ("spec", "volumeClaimTemplates", i, "spec", "storageClassName"),
                           str(value))


def check(ctx: OverlayContext) -> Iterator[Finding]:
    declared = list(ctx.environment.storage_classes) if ctx.environment else []
    if not declared:
        return
    known = set(declared) | {c.name for c in ctx.index.of_kind("StorageClass")}
    env_name = ctx.environment.name if ctx.environment else ""
    for res, claim, path, value in claims(ctx.index.of_kind("PersistentVolumeClaim", "StatefulSet")):
        if value in known:
            continue
        what = f"claim {claim!r}" if res.kind == "StatefulSet" else f"PersistentVolumeClaim {claim!r}"
        yield ctx.report(
            res,
            f"{what} asks for storage class {value!r}, which environment {env_name!r} does not "
            f"provide (it provides: {', '.join(sorted(known))})",
            hint="use one of the environment's classes (a storage component per cluster), omit "
                 "storageClassName for the default class, or add the class to environment.yaml",
            path=path,
        )
