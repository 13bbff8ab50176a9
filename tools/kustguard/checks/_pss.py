"""A Pod Security Standards evaluator: does a pod spec meet baseline or restricted?

Written from the control tables of the Kubernetes "Pod Security Standards"
page, as Pod Security Admission applies them when a pod is created:

- every control has the policy version it appeared in; a namespace pinned
  to an older ``enforce-version`` is judged by the controls of that version;
- restricted includes baseline, and some restricted controls replace their
  baseline counterpart (Volume Types replaces HostPath Volumes; restricted
  Capabilities and Seccomp replace the baseline ones from the version they
  appeared in);
- since v1.25 the Linux-only restricted controls (privilege escalation,
  seccomp, capabilities) do not apply to pods with ``spec.os.name: windows``.

Init, regular and ephemeral containers are all judged. Each violation names
its control, what it is about (a container, the pod, a volume) and the field
path, so a finding points at the line to change.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kustguard.checks._containers import CONTAINER_FIELDS
from kustguard.checks._podspec import context_path
from kustguard.resources import FieldPath

LEVELS = ("privileged", "baseline", "restricted")
ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
ENFORCE_VERSION_LABEL = "pod-security.kubernetes.io/enforce-version"

Version = tuple[int, int]

BASELINE_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})
# Safe sysctls, with the policy version each became allowed in.
SAFE_SYSCTLS: dict[str, Version] = {
    "kernel.shm_rmid_forced": (1, 0),
    "net.ipv4.ip_local_port_range": (1, 0),
    "net.ipv4.ip_unprivileged_port_start": (1, 0),
    "net.ipv4.tcp_syncookies": (1, 0),
    "net.ipv4.ping_group_range": (1, 0),
    "net.ipv4.ip_local_reserved_ports": (1, 27),
    "net.ipv4.tcp_keepalive_time": (1, 29),
    "net.ipv4.tcp_fin_timeout": (1, 29),
    "net.ipv4.tcp_keepalive_intvl": (1, 29),
    "net.ipv4.tcp_keepalive_probes": (1, 29),
    "net.ipv4.tcp_rmem": (1, 32),
    "net.ipv4.tcp_wmem": (1, 32),
}
SELINUX_TYPES: dict[str, Version] = {
    "": (1, 0), "container_t": (1, 0), "container_init_t": (1, 0), "container_kvm_t": (1, 0),
    "container_engine_t": (1, 31),
}
RESTRICTED_VOLUME_SOURCES = frozenset({
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
    "projected", "secret",
})
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"
SECCOMP_ALLOWED = ("RuntimeDefault", "Localhost")

HINTS = {
    "HostProcess": "remove securityContext.windowsOptions.hostProcess",
    "Host Namespaces": "remove hostNetwork/hostPID/hostIPC",
    "Privileged Containers": "remove securityContext.privileged",
    "Capabilities": "drop: [ALL] and add back at most NET_BIND_SERVICE (baseline: the default set)",
    "HostPath Volumes": "replace the hostPath volume (PVC, ConfigMap, emptyDir)",
    "Host Ports": "remove hostPort; expose the port through a Service",
    "AppArmor": "use the RuntimeDefault or a Localhost AppArmor profile",
    "SELinux": "remove custom seLinuxOptions (user, role, non-container type)",
    "/proc Mount Type": "remove securityContext.procMount or set it to Default",
    "Seccomp": "set securityContext.seccompProfile.type: RuntimeDefault at pod level",
    "Sysctls": "remove the sysctl, or move the workload to a namespace with a laxer level",
    "Volume Types": "use only configMap, csi, downwardAPI, emptyDir, ephemeral, "
                    "persistentVolumeClaim, projected or secret volumes",
    "Privilege Escalation": "set securityContext.allowPrivilegeEscalation: false",
    "Running as Non-root": "set securityContext.runAsNonRoot: true at pod level",
    "Running as Non-root user": "set runAsUser to a non-zero UID",
    "Host Probes / Lifecycle Hooks": "remove host from the probe or lifecycle handler",
}


@dataclass(frozen=True)
class Violation:
    control: str
    subject: str      # "container 'web'", "pod", "volume 'data'", "annotation ..."
    detail: str
    path: FieldPath

    @property
    def hint(self) -> str:
        return HINTS.get(self.control, "")


@dataclass(frozen=True)
class Policy:
    level: str
    version: Version
    errors: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.level}:v{self.version[0]}.{self.version[1]}"


_VERSION_LABEL = re.compile(r"^v1\.(0|[1-9][0-9]*)$")


def parse_cluster_version(text: str) -> Version:
    major, _, minor = str(text).partition(".")
    return int(major), int(minor)


def policy_from_labels(labels: dict[str, Any], cluster: Version) -> Policy | None:
    """The enforce policy a namespace's labels give, as the API server reads them.

    None when the namespace sets no enforce level (the cluster default
    applies, privileged unless the admission configuration says otherwise).
    An invalid level is enforced as restricted and an invalid version as
    latest, as Pod Security Admission does; the errors say so. A version
    newer than the cluster, or ``latest``, means the cluster's own version.
    """
    if ENFORCE_LABEL not in labels:
        return None
    errors = []
    level = str(labels[ENFORCE_LABEL])
    if level not in LEVELS:
        errors.append(f"{ENFORCE_LABEL}={level!r} is not one of {', '.join(LEVELS)}; "
                      "the API server enforces restricted")
        level = "restricted"
    version = cluster
    raw = labels.get(ENFORCE_VERSION_LABEL)
    if raw is not None and str(raw) != "latest":
        match = _VERSION_LABEL.match(str(raw))
        if match:
            version = min((1, int(match.group(1))), cluster)
        else:
            errors.append(f"{ENFORCE_VERSION_LABEL}={raw!r} is not 'latest' or 'v1.<minor>'; "
                          "the API server uses latest")
    return Policy(level, version, tuple(errors))


def _sc(node: Any) -> dict[str, Any]:
    sc = node.get("securityContext") if isinstance(node, dict) else None
    return sc if isinstance(sc, dict) else {}


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _containers(spec: dict[str, Any], spec_path: FieldPath):
    for field in CONTAINER_FIELDS:
        items = spec.get(field)
        if isinstance(items, list):
            for i, container in enumerate(items):
                if isinstance(container, dict):
                    yield spec_path + (field, i), container


def _cname(container: dict[str, Any]) -> str:
    return f"container {str(container.get('name') or '?')!r}"


def evaluate(metadata: dict[str, Any], spec: dict[str, Any], policy: Policy, *,
             spec_path: FieldPath = ("spec",),
             metadata_path: FieldPath = ("metadata",)) -> list[Violation]:
    """Every violation of ``policy`` by one pod (its metadata and spec)."""
    if policy.level == "privileged":
        return []
    restricted = policy.level == "restricted"
    v = policy.version
    out: list[Violation] = []
    add = out.append
    pod_sc = _sc(spec)
    psc_path = spec_path + ("securityContext",)
    containers = list(_containers(spec, spec_path))
    annotations = metadata.get("annotations") if isinstance(metadata.get("annotations"), dict) else {}
    linux_only_exempt = v >= (1, 25) and _get(spec, "os", "name") == "windows"

    # -- baseline -------------------------------------------------------
    if _get(pod_sc, "windowsOptions", "hostProcess") is True:
        add(Violation("HostProcess", "pod", "sets windowsOptions.hostProcess: true",
                      psc_path + ("windowsOptions", "hostProcess")))
    for path, c in containers:
        if _get(_sc(c), "windowsOptions", "hostProcess") is True:
            add(Violation("HostProcess", _cname(c), "sets windowsOptions.hostProcess: true",
                          path + ("securityContext", "windowsOptions", "hostProcess")))

    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field) is True:
            add(Violation("Host Namespaces", "pod", f"sets {field}: true", spec_path + (field,)))

    for path, c in containers:
        if _sc(c).get("privileged") is True:
            add(Violation("Privileged Containers", _cname(c), "sets privileged: true",
                          path + ("securityContext", "privileged")))

    restricted_caps = restricted and v >= (1, 22)
    if not restricted_caps:
        for path, c in containers:
            added = _get(_sc(c), "capabilities", "add")
            bad = [str(a) for a in added or [] if str(a) not in BASELINE_CAPABILITIES] \
                if isinstance(added, list) else []
            if bad:
                add(Violation("Capabilities", _cname(c),
                              f"adds {', '.join(bad)} beyond the baseline set",
                              path + ("securityContext", "capabilities", "add")))

    volumes = [(i, vol) for i, vol in enumerate(spec.get("volumes") or [])
               if isinstance(vol, dict)] if isinstance(spec.get("volumes"), list) else []
    if not restricted:  # restricted's Volume Types covers hostPath
        for i, vol in volumes:
            if "hostPath" in vol:
                add(Violation("HostPath Volumes", f"volume {vol.get('name')!r}", "uses hostPath",
                              spec_path + ("volumes", i, "hostPath")))

    for path, c in containers:
        ports = c.get("ports")
        for j, port in enumerate(ports if isinstance(ports, list) else []):
            host_port = port.get("hostPort") if isinstance(port, dict) else None
            if host_port not in (None, 0):
                add(Violation("Host Ports", _cname(c), f"sets hostPort {host_port}",
                              path + ("ports", j, "hostPort")))

    for key, value in sorted(annotations.items()):
        if str(key).startswith(APPARMOR_ANNOTATION):
            value = str(value or "")
            if value and value != "runtime/default" and not value.startswith("localhost/"):
                add(Violation("AppArmor", f"annotation {key}", f"sets profile {value!r}",
                              metadata_path + ("annotations", key)))
    # (subject, securityContext, its path) for the pod and every container
    contexts = [("pod", pod_sc, psc_path)] + [
        (_cname(c), _sc(c), p + ("securityContext",)) for p, c in containers]
    for subject, sc, sc_path in contexts:
        kind = _get(sc, "appArmorProfile", "type")
        if kind is not None and kind not in ("RuntimeDefault", "Localhost"):
            add(Violation("AppArmor", subject, f"sets appArmorProfile.type {kind!r}",
                          sc_path + ("appArmorProfile", "type")))

    for subject, sc, sc_path in contexts:
        opts = sc.get("seLinuxOptions")
        if not isinstance(opts, dict):
            continue
        kind = str(opts.get("type") or "")
        if kind not in SELINUX_TYPES or SELINUX_TYPES[kind] > v:
            add(Violation("SELinux", subject, f"sets seLinuxOptions.type {kind!r}",
                          sc_path + ("seLinuxOptions", "type")))
        for field in ("user", "role"):
            if opts.get(field):
                add(Violation("SELinux", subject, f"sets seLinuxOptions.{field}",
                              sc_path + ("seLinuxOptions", field)))

    for path, c in containers:
        proc = _sc(c).get("procMount")
        if proc not in (None, "Default"):
            add(Violation("/proc Mount Type", _cname(c), f"sets procMount {proc!r}",
                          path + ("securityContext", "procMount")))

    if v < (1, 19):
        for key, value in sorted(annotations.items()):
            if (key == SECCOMP_POD_ANNOTATION or str(key).startswith(SECCOMP_CONTAINER_ANNOTATION)) \
                    and str(value) == "unconfined":
                add(Violation("Seccomp", f"annotation {key}", "is unconfined",
                              metadata_path + ("annotations", key)))
    elif not restricted:  # restricted's Seccomp control replaces this one
        for subject, sc, sc_path in contexts:
            if _get(sc, "seccompProfile", "type") == "Unconfined":
                add(Violation("Seccomp", subject, "sets seccompProfile.type 'Unconfined'",
                              sc_path + ("seccompProfile", "type")))

    sysctls = pod_sc.get("sysctls")
    for i, sysctl in enumerate(sysctls if isinstance(sysctls, list) else []):
        name = str(sysctl.get("name")) if isinstance(sysctl, dict) else str(sysctl)
        if name not in SAFE_SYSCTLS or SAFE_SYSCTLS[name] > v:
            add(Violation("Sysctls", "pod", f"sets the unsafe sysctl {name}",
                          psc_path + ("sysctls", i, "name")))

    if v >= (1, 34):
        for path, c in containers:
            for handler_path, handler in _host_handlers(c, path):
                add(Violation("Host Probes / Lifecycle Hooks", _cname(c),
                              f"sets host {handler['host']!r}", handler_path + ("host",)))

    if not restricted:
        return out

    # -- restricted -----------------------------------------------------
    for i, vol in volumes:
        sources = [k for k in vol if k != "name"]
        bad = [k for k in sources if k not in RESTRICTED_VOLUME_SOURCES]
        if bad:  # a volume with no source is defaulted to emptyDir
            add(Violation("Volume Types", f"volume {vol.get('name')!r}",
                          f"uses the restricted volume type {bad[0]}",
                          spec_path + ("volumes", i, bad[0])))

    if not linux_only_exempt:
        for path, c in containers:
            if _sc(c).get("allowPrivilegeEscalation") is not False:
                add(Violation("Privilege Escalation", _cname(c),
                              "does not set allowPrivilegeEscalation: false",
                              context_path(c, path, "allowPrivilegeEscalation")))

    pod_non_root = pod_sc.get("runAsNonRoot")
    if pod_non_root is False:
        add(Violation("Running as Non-root", "pod", "sets runAsNonRoot: false",
                      psc_path + ("runAsNonRoot",)))
    for path, c in containers:
        value = _sc(c).get("runAsNonRoot")
        if value is False:
            add(Violation("Running as Non-root", _cname(c), "sets runAsNonRoot: false",
                          path + ("securityContext", "runAsNonRoot")))
        elif value is None and pod_non_root is not True:
            add(Violation("Running as Non-root", _cname(c),
                          "does not set runAsNonRoot: true (nor does the pod)",
                          context_path(c, path, "runAsNonRoot")))

    if v >= (1, 23):
        for subject, sc, sc_path in contexts:
            if sc.get("runAsUser") == 0:
                add(Violation("Running as Non-root user", subject, "sets runAsUser: 0",
                              sc_path + ("runAsUser",)))

    if v >= (1, 19) and not linux_only_exempt:
        pod_type = _get(pod_sc, "seccompProfile", "type")
        if pod_type is not None and pod_type not in SECCOMP_ALLOWED:
            add(Violation("Seccomp", "pod", f"sets seccompProfile.type {pod_type!r}",
                          psc_path + ("seccompProfile", "type")))
        for path, c in containers:
            kind = _get(_sc(c), "seccompProfile", "type")
            if kind is not None and kind not in SECCOMP_ALLOWED:
                add(Violation("Seccomp", _cname(c), f"sets seccompProfile.type {kind!r}",
                              path + ("securityContext", "seccompProfile", "type")))
            elif kind is None and pod_type not in SECCOMP_ALLOWED:
                add(Violation("Seccomp", _cname(c),
                              "has no RuntimeDefault or Localhost seccompProfile (nor does the pod)",
                              context_path(c, path, "seccompProfile")))

    if restricted_caps and not linux_only_exempt:
        for path, c in containers:
            caps = _get(_sc(c), "capabilities")
            drop = caps.get("drop") if isinstance(caps, dict) else None
            if not (isinstance(drop, list) and "ALL" in [str(d) for d in drop]):
                add(Violation("Capabilities", _cname(c), "does not drop ALL",
                              context_path(c, path, "capabilities", "drop")))
            added = caps.get("add") if isinstance(caps, dict) else None
            bad = [str(a) for a in added if str(a) != "NET_BIND_SERVICE"] \
                if isinstance(added, list) else []
            if bad:
                add(Violation("Capabilities", _cname(c),
                              f"adds {', '.join(bad)} (only NET_BIND_SERVICE may be added)",
                              path + ("securityContext", "capabilities", "add")))
    return out


def _host_handlers(container: dict[str, Any], path: FieldPath):
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        for action in ("httpGet", "tcpSocket"):
            handler = _get(container, probe, action)
            if isinstance(handler, dict) and handler.get("host"):
                yield path + (probe, action), handler
    for hook in ("postStart", "preStop"):
        for action in ("httpGet", "tcpSocket"):
            handler = _get(container, "lifecycle", hook, action)
            if isinstance(handler, dict) and handler.get("host"):
                yield path + ("lifecycle", hook, action), handler


# Standalone checks whose rule is a Pod Security control. Where the
# namespace enforces the level, pod-security reports the mistake and the
# standalone check stays silent on it: one mistake, one finding.
STANDALONE_CONTROLS: dict[str, tuple[str, ...]] = {
    "privileged": ("Privileged Containers",),
    "capabilities-drop-all": ("Capabilities",),
    "host-namespaces": ("Host Namespaces",),
    "host-path": ("HostPath Volumes",),
    "privilege-escalation": ("Privilege Escalation",),
    "run-as-non-root": ("Running as Non-root", "Running as Non-root user"),
}
# The container or volume a field belongs to (or the pod-level field itself).
_SUBJECT = re.compile(r"^.*?(?:initContainers|containers|ephemeralContainers|volumes)\[\d+\]")


def _subject(field: str) -> str:
    match = _SUBJECT.match(field)
    return match.group(0) if match else field


def said_once(findings: list) -> list:
    """Drop a standalone security finding that pod-security already reports
    for the same object, control and container (or volume, or pod field)."""
    covered = {(f.overlay, f.object, f.extra.get("control"), _subject(f.field))
               for f in findings if f.check_id == "pod-security"}
    if not covered:
        return findings
    return [f for f in findings
            if not any((f.overlay, f.object, control, _subject(f.field)) in covered
                       for control in STANDALONE_CONTROLS.get(f.check_id, ()))]
