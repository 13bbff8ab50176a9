"""An Ingress's backends name a Service of its namespace, and a port of that Service.

For ``spec.defaultBackend`` and every ``spec.rules[].http.paths[].backend``:
the Service must be rendered in the Ingress's namespace, and the port, by
``number``, must equal one of the Service's ``port`` values or, by ``name``,
one of its port names (the Service's port, not the container's). The older
``serviceName``/``servicePort`` form is read too. ``resource`` backends are
not checked.

Passing::

    backend:
      service:
        name: web
        port: {name: http}   # Service web has a port named http

Failing::

    backend:
      service:
        name: web
        port: {number: 8080} # Service web only has port 80
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kustguard.checks import OverlayContext
from kustguard.checks._containers import as_port_number
from kustguard.findings import Finding, Severity
from kustguard.resources import FieldPath, Resource
from kustguard.resources import mappings

ID = "ingress-backend"
SEVERITY = Severity.ERROR
FAMILY = "references"
KUBE_LINTER = ("dangling-ingress",)


def backends(ingress: Resource) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    default = ingress.get("spec", "defaultBackend")
    if not isinstance(default, dict):
        default = ingress.get("spec", "backend")  # extensions/v1beta1 name
        if isinstance(default, dict):
            yield ("spec", "backend"), default
    else:
        yield ("spec", "defaultBackend"), default
    rules = ingress.get("spec", "rules")
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        paths = rule.get("http", {}).get("paths") if isinstance(rule, dict) and isinstance(rule.get("http"), dict) else None
        for j, entry in enumerate(paths if isinstance(paths, list) else []):
            if isinstance(entry, dict) and isinstance(entry.get("backend"), dict):
                yield ("spec", "rules", i, "http", "paths", j, "backend"), entry["backend"]


def _target(path: FieldPath, backend: dict[str, Any]) -> tuple[str, Any, FieldPath, FieldPath] | None:
    """(service name, port, path of name, path of port) of a backend."""
    service = backend.get("service")
    if isinstance(service, dict) and service.get("name"):
        port = service.get("port") if isinstance(service.get("port"), dict) else {}
        if "number" in port:
            value, ppath = port["number"], path + ("service", "port", "number")
        else:
            value, ppath = port.get("name"), path + ("service", "port", "name")
        return str(service["name"]), value, path + ("service", "name"), ppath
    if backend.get("serviceName"):
        return (str(backend["serviceName"]), backend.get("servicePort"),
                path + ("serviceName",), path + ("servicePort",))
    return None


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for ingress in ctx.index.of_kind("Ingress"):
        ns = ctx.index.namespace_of(ingress)
        for path, backend in backends(ingress):
            target = _target(path, backend)
            if target is None:
                continue
            name, port, name_path, port_path = target
            service = ctx.index.get("Service", ns, name)
            if service is None:
                yield ctx.report(
                    ingress,
                    f"Ingress {ingress.name!r} routes to Service {name!r}, which the overlay does not "
                    f"render in namespace {ns!r}",
                    hint="fix the backend's service name, or add the Service",
                    path=name_path,
                )
                continue
            if port is None or service.get("spec", "type") == "ExternalName":
                continue
            ports = mappings(service.get("spec", "ports"))
            number = as_port_number(port)
            if number is not None:
                ok = any(as_port_number(p.get("port")) == number for p in ports)
                what = f"port {number}"
            else:
                ok = any(p.get("name") == port for p in ports)
                what = f"port name {port!r}"
            if ok:
                continue
            declared = ", ".join(f"{p['name']}={p.get('port')}" if p.get("name") else str(p.get("port"))
                                 for p in ports) or "none"
            yield ctx.report(
                ingress,
                f"Ingress {ingress.name!r} routes to {what} of Service {name!r}, which has no such port",
                hint=f"use one of the Service's ports ({declared}): the Service port, not the container's",
                path=port_path,
            )
