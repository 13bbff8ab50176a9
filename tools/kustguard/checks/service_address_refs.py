"""Service addresses in env values and init-container arguments name a Service and port.

Read:

- ``env[].value`` of variables named like an address: ``*_HOST``,
  ``*_HOSTNAME``, ``*_ADDR``/``*_ADDRESS``, ``*_URL``/``*_URI``, ``*_SERVER``,
  ``*_ENDPOINT``, ``*_DSN`` and ``*_SERVICE*`` (but not ``*_NAME``, ``*_PORT``...);
  ``$(VAR)`` references to earlier env entries are expanded as the kubelet
  does (a ``fieldRef`` to ``metadata.namespace`` gives the pod's namespace);
- the ``command`` and ``args`` of init containers (``wait-for-it mysql:3306``,
  ``nc``-style scripts are only read for ``host:port`` and URL words).

Values may be ``host``, ``host:port``, or URLs (``http://svc:8080/x``,
``redis://redis:6379``, ``jdbc:mysql://mysql:3306/db``; without a port the
scheme's default is used). A host is in-cluster, and checked, when it has no
dot, ends with ``.svc`` or ``.svc.cluster.local`` (``name.ns.svc``, and
``pod.name.ns.svc...`` for StatefulSet and Hazelcast-style headless names),
or is ``name.ns`` with ``ns`` a namespace of the overlay. External names,
IPs and ``localhost`` are ignored. The Service must be rendered in that
namespace and have that port (for a headless Service, the pods' port); a host
without a port only needs the Service, unless a sibling ``<PREFIX>_PORT``
variable gives the port. Values are never printed: only the host and port.

Passing::

    env:
      - {name: DB_HOST, value: mysql}          # Service mysql in the pod's namespace
      - {name: DB_PORT, value: "3306"}         # ... with port 3306
      - {name: CACHE_URL, value: "redis://redis.cache.svc.cluster.local:6379/0"}

Failing::

    initContainers:
      - name: wait
        args: [wait-for-it, "mysql-db:3306"]   # no Service mysql-db
    containers:
      - env:
          - {name: API_URL, value: "http://api:8080/v1"}   # Service api has only port 80
"""
from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from kustguard.checks import OverlayContext
from kustguard.checks._containers import (
    as_port_number, container_ports, env_entries, iter_containers, string_list,
)
from kustguard.checks._selectors import PodTemplates
from kustguard.findings import Finding, Severity
from kustguard.index import Index
from kustguard.k8s.expansion import expand
from kustguard.resources import FieldPath, Resource
from kustguard.resources import as_mapping, mappings

ID = "service-address-refs"
SEVERITY = Severity.ERROR
FAMILY = "references"

ADDRESS_SUFFIXES = frozenset({"HOST", "HOSTS", "HOSTNAME", "ADDR", "ADDRESS", "ADDRESSES", "URL", "URLS",
                              "URI", "SERVER", "SERVERS", "ENDPOINT", "ENDPOINTS", "DSN"})
# Variables whose last word says the value is not an address.
NOT_ADDRESS_SUFFIXES = frozenset({"NAME", "NAMES", "ACCOUNT", "PORT", "PORTS", "TYPE", "VERSION", "ID",
                                  "KEY", "TOKEN", "PASSWORD", "USER", "USERNAME", "TIMEOUT", "ENABLED",
                                  "PATH", "PROTOCOL", "SCHEME", "LABEL", "LABELS", "NAMESPACE"})
HOST_SUFFIXES = frozenset({"HOST", "HOSTNAME", "ADDR", "ADDRESS", "SERVER"})
SCHEME_PORTS = {
    "http": 80, "https": 443, "ws": 80, "wss": 443, "grpc": None, "tcp": None,
    "redis": 6379, "rediss": 6379, "mysql": 3306, "mariadb": 3306, "postgres": 5432,
    "postgresql": 5432, "mongodb": 27017, "amqp": 5672, "amqps": 5671, "nats": 4222,
    "memcached": 11211, "mqtt": 1883, "ldap": 389, "ldaps": 636,
}
CLUSTER_SUFFIXES = (".svc.cluster.local", ".svc")
# Namespaces of the cluster itself, whose Services an app overlay does not render.
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})

URL = re.compile(r"^(?:jdbc:)?([a-z][a-z0-9+.\-]*)://(?:[^@/\s]*@)?(\[[^\]]*\]|[^:/?#,\s]+)(?::(\d{1,5}))?",
                 re.I)
HOST_PORT = re.compile(r"^([A-Za-z][A-Za-z0-9.\-]*):(\d{1,5})(?:/\S*)?$")
HOST = re.compile(r"^[a-z]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)*\.?$")


@dataclass(frozen=True)
class Address:
    host: str
    port: int | None
    where: FieldPath
    what: str          # e.g. "env DB_HOST", "args[1]"


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[_\-.]", name.upper()) if w]


def address_var(name: str) -> bool:
    words = _words(name)
    if len(words) < 2 or words[-1] in NOT_ADDRESS_SUFFIXES:
        return False  # a bare HOSTNAME/SERVICE is the pod's own, not a peer's
    return words[-1] in ADDRESS_SUFFIXES or "SERVICE" in words[:-1] or words[-1] == "SERVICE"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def parse_addresses(value: str, *, bare_host: bool) -> list[tuple[str, int | None]]:
    """(host, port) pairs in a value: URLs, host:port, and (if bare_host) plain hosts."""
    out: list[tuple[str, int | None]] = []
    for item in re.split(r"[\s,;]+", value.strip()):
        item = item.strip("\"'()")
        if not item or "$" in item:
            continue
        m = URL.match(item)
        if m:
            scheme, host, port = m.group(1).lower(), m.group(2), m.group(3)
            if scheme.endswith("+srv"):
                out.append((host, None))
            else:
                out.append((host, int(port) if port else SCHEME_PORTS.get(scheme)))
            continue
        m = HOST_PORT.match(item)
        if m:
            out.append((m.group(1), int(m.group(2))))
            continue
        if bare_host and HOST.match(item.lower()):
            out.append((item, None))
    return out


def in_cluster(host: str, own_ns: str, namespaces: set[str]) -> tuple[str, str] | None:
    """(service, namespace) an in-cluster host name resolves to, or None if not in-cluster."""
    host = host.lower().rstrip(".")
    if not host or host == "localhost" or _is_ip(host):
        return None
    for suffix in CLUSTER_SUFFIXES:
        if host.endswith(suffix):
            parts = host[: -len(suffix)].split(".")
            return (parts[-2], parts[-1]) if len(parts) >= 2 else None
    parts = host.split(".")
    if len(parts) == 1:
        return parts[0], own_ns
    if len(parts) in (2, 3) and parts[-1] in namespaces:
        return parts[-2], parts[-1]
    return None


def _expand_env(entries: list[tuple[int, dict]], namespace: str) -> dict[str, str | None]:
    """Each env var's value with $(VAR) expanded from earlier entries; None if unknown."""
    values: dict[str, str | None] = {}
    for _, entry in entries:
        name = str(entry["name"])
        value_from = entry.get("valueFrom")
        if isinstance(value_from, dict):
            field = (value_from.get("fieldRef") or {}).get("fieldPath") \
                if isinstance(value_from.get("fieldRef"), dict) else None
            values[name] = namespace if field == "metadata.namespace" else None
            continue
        raw = str(entry.get("value") if entry.get("value") is not None else "")
        expanded = expand(raw, values.get)
        values[name] = None if expanded.unresolved else expanded.text
    return values


def _sibling_port(name: str, values: dict[str, str | None]) -> tuple[str, int] | None:
    words = name.split("_")
    if len(words) < 2 or words[-1].upper() not in HOST_SUFFIXES:
        return None
    port_var = "_".join(words[:-1] + ["PORT"])
    value = values.get(port_var)
    if value is not None and value.strip().isdigit():
        return port_var, int(value.strip())
    return None


def _arg_words(items: list[str]) -> Iterator[tuple[int, str]]:
    for i, item in enumerate(items):
        try:
            words = shlex.split(item, comments=False)
        except ValueError:
            words = item.split()
        for word in words:
            flag, eq, rest = word.partition("=")
            if eq and flag.startswith("-"):
                if "image" in flag.lower():
                    continue
                word = rest
            yield i, word.rstrip(";&|")


def addresses(container_path: FieldPath, container: dict, is_init: bool,
              namespace: str) -> Iterator[tuple[Address, tuple[str, int, FieldPath] | None]]:
    """Addresses in a container, each with an optional sibling port (var, port, path)."""
    entries = env_entries(container)
    values = _expand_env(entries, namespace)
    index_of = {str(e["name"]): i for i, e in entries}
    for i, entry in entries:
        name = str(entry["name"])
        value = values.get(name)
        if value is None or not address_var(name):
            continue
        bare = _words(name)[-1] in HOST_SUFFIXES | {"HOSTS", "SERVERS", "SERVICE"} or \
            "SERVICE" in _words(name)
        for host, port in parse_addresses(value, bare_host=bare):
            sibling = None
            if port is None:
                found = _sibling_port(name, values)
                if found:
                    sibling = (found[0], found[1], container_path + ("env", index_of[found[0]], "value"))
            yield Address(host, port, container_path + ("env", i, "value"), f"env {name}"), sibling
    if is_init:
        for field in ("command", "args"):
            items = string_list(container.get(field))
            for j, word in _arg_words(items):
                for host, port in parse_addresses(word, bare_host=False):
                    yield Address(host, port, container_path + (field, j), f"{field}[{j}]"), None


def _service_ports(service: Resource, templates: PodTemplates, index: Index) -> set[int] | None:
    """Ports a client may reach through a Service's name; None = any."""
    spec = as_mapping(service.get("spec"))
    if spec.get("type") == "ExternalName":
        return None
    ports: set[int] = set()
    for p in mappings(spec.get("ports")):
        if as_port_number(p.get("port")) is not None:
            ports.add(as_port_number(p.get("port")))
    if spec.get("clusterIP") == "None":
        # Headless: the name resolves to the pods, which take their own ports.
        for p in mappings(spec.get("ports")):
            if as_port_number(p.get("targetPort")) is not None:
                ports.add(as_port_number(p.get("targetPort")))
        selector = spec.get("selector")
        if isinstance(selector, dict) and selector:
            for w in templates.select(index.namespace_of(service), selector):
                for c in iter_containers(w, ephemeral=False):
                    for cp in container_ports(c.container):
                        if as_port_number(cp.get("containerPort")) is not None:
                            ports.add(as_port_number(cp.get("containerPort")))
        if not ports:
            return None
    return ports


def check(ctx: OverlayContext) -> Iterator[Finding]:
    namespaces = set(ctx.index.namespaces())
    templates = PodTemplates.of(ctx.index)
    port_cache: dict[tuple[str, str], set[int] | None] = {}
    for workload in ctx.index.workloads():
        ns = ctx.index.namespace_of(workload)
        for c in iter_containers(workload, ephemeral=False):
            reported: set[tuple] = set()
            for address, sibling in addresses(c.path, c.container, c.is_init, ns):
                target = in_cluster(address.host, ns, namespaces)
                if target is None:
                    continue
                svc_name, svc_ns = target
                if svc_ns in SYSTEM_NAMESPACES:
                    continue
                key = (svc_name, svc_ns, address.port, address.where)
                if key in reported:
                    continue
                reported.add(key)
                who = f"container {c.name!r} {address.what}"
                service = ctx.index.get("Service", svc_ns, svc_name)
                if service is None:
                    where = (f"namespace {svc_ns!r}" if svc_ns in namespaces
                             else f"namespace {svc_ns!r} (not rendered by this overlay)")
                    yield ctx.report(
                        workload,
                        f"{who} names host {address.host!r}, but there is no Service {svc_name!r} in {where}",
                        hint="fix the host name (Service short name, or name.namespace.svc), or add the Service",
                        path=address.where,
                    )
                    continue
                port, port_path, port_what = address.port, address.where, ""
                if port is None and sibling is not None:
                    port, port_path, port_what = sibling[1], sibling[2], f" (port from env {sibling[0]})"
                if port is None:
                    continue
                cache_key = (svc_ns, svc_name)
                if cache_key not in port_cache:
                    port_cache[cache_key] = _service_ports(service, templates, ctx.index)
                allowed = port_cache[cache_key]
                if allowed is None or port in allowed:
                    continue
                yield ctx.report(
                    workload,
                    f"{who} connects to {address.host!r} port {port}{port_what}, but Service {svc_name!r} "
                    f"in namespace {svc_ns!r} has no port {port}",
                    hint=f"use one of the Service's ports ({', '.join(str(p) for p in sorted(allowed)) or 'none'})"
                         f", or add the port to the Service",
                    path=port_path,
                )
