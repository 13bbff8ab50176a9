"""Every object is valid against its strict schema for the overlay's Kubernetes version.

Unknown fields, wrong types, values outside a Kubernetes enum, missing
required fields and unknown kinds are errors, as `kubectl apply
--validate=strict` would make them. A kind with no schema at all (a CRD
whose schema was not imported) is an error by default; the setting
``missing-schemas`` makes it a warning or ignores it, per API group. Core schemas
come from the kubernetes-validate package; CRD schemas from schemas/.

Passing::

    apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec:
      ports: [{port: 80, targetPort: http}]

Failing::

    apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec:
      port: 80          # unknown field: ports is a list under spec
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity
from kustguard.resources import format_field

ID = "schema"
SEVERITY = Severity.ERROR
FAMILY = "schema"


def check(ctx: OverlayContext) -> Iterator[Finding]:
    if ctx.schema is None or ctx.index is None:
        return
    resources = ctx.index.resources
    verdicts = ctx.schema.validate_all([r.obj for r in resources])
    for resource, violations in zip(resources, verdicts):
        for violation in violations:
            if violation.missing_schema:
                policy = ctx.config.missing_schema_policy(resource.group) if ctx.config else "error"
                if policy == "ignore":
                    continue
                severity = Severity.WARNING if policy == "warning" else None
                yield ctx.report(resource, violation.message, severity=severity,
                                 hint="add the CRD's schema with 'kustguard schemas import', or "
                                      f"set missing-schemas.\"{resource.group or '*'}\" to "
                                      "warning or ignore")
                continue
            where = format_field(violation.path)
            yield ctx.report(
                resource,
                f"{where}: {violation.message}" if where else violation.message,
                hint="fix the field to match the schema",
                path=violation.path,
            )
