"""An exec probe only expands environment variables the container defines.

Two kinds of expansion happen in an ``exec`` probe's command:

- ``$(VAR)`` is substituted by the kubelet before running the command, and for
  probes only from ``env`` entries with a literal ``value``: a variable from
  ``valueFrom`` (a Secret key, a field) becomes an empty string, and one from
  ``envFrom`` or not defined at all stays as the literal text ``$(VAR)`` (which
  a shell then runs as a command). In a shell script, lower-case ``$(cmd)`` is
  a command substitution and is left alone.
- ``$VAR`` and ``${VAR}`` in an ``sh -c`` script are expanded by the shell from
  the container's full environment: ``env`` (with or without ``valueFrom``) and
  ``envFrom``. For an ``envFrom`` source rendered in the overlay its keys (with
  the prefix) are used; a source the overlay does not render might define
  anything, so the container is then trusted. Variables assigned in the script
  itself, the shell's own, service-link variables (``*_SERVICE_HOST``...), those
  known to be set by the image (``IMAGE_ENV``) and ``${VAR:-default}`` forms are
  not reported. Single-quoted text is not expanded by the shell and is skipped.

Passing::

    env:
      - name: MYSQL_ROOT_PASSWORD
        valueFrom: {secretKeyRef: {name: mysql, key: root-password}}
    readinessProbe:
      exec:
        command: [sh, -c, 'mysqladmin ping -uroot -p"$MYSQL_ROOT_PASSWORD"']

Failing::

    env:
      - name: MYSQL_ROOT_PASSWORD
        valueFrom: {secretKeyRef: {name: mysql, key: root-password}}
    readinessProbe:
      exec:   # $(...) from valueFrom is empty; MYSQL_PWD is defined nowhere
        command: [mysqladmin, ping, -uroot, -p$(MYSQL_ROOT_PASSWORD)]
    livenessProbe:
      exec:
        command: [sh, -c, 'mysqladmin ping -uroot -p"$MYSQL_PWD"']
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from kustguard.checks import OverlayContext
from kustguard.checks._configdata import ConfigData
from kustguard.checks._containers import (
    PROBES, env_entries, env_from_entries, iter_containers, string_list,
)
from kustguard.findings import Finding, Severity
from kustguard.index import Index
from kustguard.k8s.expansion import references

ID = "probe-env-vars"
SEVERITY = Severity.ERROR
FAMILY = "probes"

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"})
# Set by the shell or the container runtime in every container.
SHELL_VARS = frozenset({
    "HOME", "PATH", "HOSTNAME", "PWD", "OLDPWD", "SHELL", "USER", "LOGNAME", "UID", "EUID",
    "PPID", "RANDOM", "LINENO", "SECONDS", "IFS", "PS1", "PS2", "PS4", "OPTARG", "OPTIND",
    "TERM", "LANG", "LC_ALL", "TMPDIR", "BASH", "BASH_VERSION", "BASHPID", "BASH_SOURCE",
    "FUNCNAME", "PIPESTATUS", "REPLY", "HOSTTYPE", "MACHTYPE", "OSTYPE", "SHLVL",
})
# Service links the kubelet injects (enableServiceLinks), and the API server's.
SERVICE_LINK = re.compile(r"^(KUBERNETES_\w+|\w+_SERVICE_(HOST|PORT\w*)|\w+_PORT(_\d+_(TCP|UDP|SCTP)\w*)?)$")
# Variables well-known images set in their own environment (repository name -> names).
IMAGE_ENV: dict[str, frozenset[str]] = {
    "postgres": frozenset({"PGDATA", "PG_MAJOR", "PG_VERSION", "GOSU_VERSION"}),
    "mysql": frozenset({"MYSQL_MAJOR", "MYSQL_VERSION", "MYSQL_SHELL_VERSION", "GOSU_VERSION"}),
    "mariadb": frozenset({"MARIADB_VERSION", "MARIADB_MAJOR", "GOSU_VERSION"}),
    "redis": frozenset({"REDIS_VERSION", "REDIS_DOWNLOAD_URL", "REDIS_DOWNLOAD_SHA"}),
    "mongo": frozenset({"MONGO_MAJOR", "MONGO_VERSION", "MONGO_PACKAGE", "MONGO_REPO", "GOSU_VERSION"}),
    "rabbitmq": frozenset({"RABBITMQ_VERSION", "RABBITMQ_DATA_DIR", "RABBITMQ_HOME", "ERLANG_INSTALL_PATH_PREFIX"}),
    "elasticsearch": frozenset({"ES_HOME", "ELASTIC_CONTAINER"}),
}

SHELL_REF = re.compile(r"(?<![\\$])\$(?:\{(#?)([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
ASSIGNED = re.compile(
    r"(?:^|[\s;&|(`])(?:export\s+|local\s+|readonly\s+|declare\s+(?:-\w+\s+)*)?([A-Za-z_]\w*)=")
FOR_VAR = re.compile(r"\bfor\s+([A-Za-z_]\w*)\s+in\b")
READ_VARS = re.compile(r"\bread((?:\s+[A-Za-z_\-]\w*)+)")
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class Environment:
    literal: set[str] = field(default_factory=set)     # env with value: kubelet-substitutable
    value_from: set[str] = field(default_factory=set)  # env with valueFrom
    env_from: set[str] = field(default_factory=set)    # keys of envFrom sources in the overlay
    env_from_unknown: bool = False                     # an envFrom source the overlay lacks

    def defines(self, name: str) -> bool:
        return (self.env_from_unknown or name in self.literal or name in self.value_from
                or name in self.env_from)


def container_environment(container: dict, index: Index, namespace: str) -> Environment:
    env = Environment()
    for _, entry in env_entries(container):
        name = str(entry["name"])
        (env.value_from if isinstance(entry.get("valueFrom"), dict) else env.literal).add(name)
    data = ConfigData.of(index)
    for _, source in env_from_entries(container):
        prefix = str(source.get("prefix") or "")
        for ref_field, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
            ref = source.get(ref_field)
            if not isinstance(ref, dict) or not ref.get("name"):
                continue
            provided = data.lookup(kind, namespace, str(ref["name"]))
            if provided is None or provided.keys is None:
                env.env_from_unknown = True
            else:
                env.env_from.update(prefix + k for k in provided.keys)
    return env


def kubelet_refs(text: str) -> list[str]:
    """Names in $(NAME) that the kubelet's expansion would look up ($$ escapes)."""
    return [name for name in references(text) if IDENT.match(name)]


def shell_expandable(script: str) -> str:
    """The script with single-quoted text blanked (the shell does not expand it)."""
    out = []
    in_single = in_double = False
    i = 0
    while i < len(script):
        ch = script[i]
        if in_single:
            if ch == "'":
                in_single = False
            out.append(" " if ch != "\n" else ch)
        elif ch == "\\" and i + 1 < len(script):
            out.append(" " if script[i + 1] == "$" else ch + script[i + 1])
            i += 1
        elif ch == "'" and not in_double:
            in_single = True
            out.append(" ")
        else:
            if ch == '"':
                in_double = not in_double
            out.append(ch)
        i += 1
    return "".join(out)


def shell_refs(script: str) -> list[str]:
    """Variables a shell script expands without a default value."""
    text = shell_expandable(script)
    names = []
    for m in SHELL_REF.finditer(text):
        name = m.group(2) or m.group(4)
        modifier = m.group(3) or ""
        if m.group(2) and not m.group(1) and re.match(r"^:?[-=+]", modifier):
            continue  # ${VAR:-default}, ${VAR:=x}, ${VAR:+alt}: fine when unset
        names.append(name)
    return names


def script_locals(script: str) -> set[str]:
    names = set(ASSIGNED.findall(script)) | set(FOR_VAR.findall(script))
    for group in READ_VARS.findall(script):
        names.update(tok for tok in group.split() if not tok.startswith("-"))
    return names


def shell_script(command: list[str]) -> int | None:
    """Index of the script argument of `sh -c SCRIPT`, or None when not a shell."""
    if not command or command[0].rsplit("/", 1)[-1] not in SHELLS:
        return None
    start = 1
    if command[0].rsplit("/", 1)[-1] == "busybox":
        if len(command) < 2 or command[1] not in SHELLS:
            return None
        start = 2
    for i in range(start, len(command)):
        arg = command[i]
        if arg.startswith("-") and not arg.startswith("--") and "c" in arg[1:]:
            return i + 1 if i + 1 < len(command) else None
        if not arg.startswith("-"):
            return None
    return None


def exec_command(probe: object) -> list[str]:
    action = probe.get("exec") if isinstance(probe, dict) else None
    return string_list(action.get("command")) if isinstance(action, dict) else []


def _image_env(container: dict) -> frozenset[str]:
    image = str(container.get("image", "")).split("@", 1)[0]
    name = image.rsplit("/", 1)[-1].split(":", 1)[0].lower()
    return IMAGE_ENV.get(name, frozenset())


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for workload in ctx.index.workloads():
        ns = ctx.index.namespace_of(workload)
        for c in iter_containers(workload, ephemeral=False):
            env: Environment | None = None
            for probe_field in PROBES:
                command = exec_command(c.container.get(probe_field))
                if not command:
                    continue
                if env is None:
                    env = container_environment(c.container, ctx.index, ns)
                script_at = shell_script(command)
                path = c.path + (probe_field, "exec", "command")
                seen: set[str] = set()
                for i, arg in enumerate(command):
                    for name in kubelet_refs(arg):
                        if name in seen or name in env.literal:
                            continue
                        if script_at is not None and not name.isupper():
                            continue  # $(cmd): the shell's command substitution
                        seen.add(name)
                        if name in env.value_from:
                            why = f"{name} comes from valueFrom, so the kubelet substitutes an empty string"
                        elif name in env.env_from or env.env_from_unknown:
                            why = f"{name} can only come from envFrom, which the kubelet does not substitute"
                        else:
                            why = f"{name} is not in the container's env"
                        hint = (f"use sh -c with \"${name}\" (the shell sees the whole environment)"
                                if env.defines(name) else f"define {name} in env, or fix the name")
                        yield ctx.report(
                            workload,
                            f"container {c.name!r} {probe_field} uses $({name}), but the kubelet fills $(...) "
                            f"in probe commands only from env entries with a literal value: {why}",
                            hint=hint, path=path + (i,),
                        )
                if script_at is None:
                    continue
                script = command[script_at]
                local = script_locals(script) | SHELL_VARS | _image_env(c.container)
                for name in shell_refs(script):
                    if name in seen or name in local or env.defines(name) or SERVICE_LINK.match(name):
                        continue
                    seen.add(name)
                    yield ctx.report(
                        workload,
                        f"container {c.name!r} {probe_field} script expands ${name}, which the container "
                        f"does not define (env, envFrom) nor the script",
                        hint=f"add {name} to the container's env (or envFrom), or fix the name",
                        path=path + (script_at,),
                    )
