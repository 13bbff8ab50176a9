import pytest
import yaml

from kustguard.checks._pss import Policy, evaluate, policy_from_labels

# A pod that meets restricted; the tests below break one control at a time.
RESTRICTED_POD = """\
metadata:
  annotations: {}
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: web
      image: app:1.0
      securityContext:
        allowPrivilegeEscalation: false
        capabilities: {drop: [ALL]}
  volumes:
    - name: tmp
      emptyDir: {}
"""


def pod(**spec_changes):
    doc = yaml.safe_load(RESTRICTED_POD)
    for key, value in spec_changes.items():
        doc["spec"][key] = value
    return doc


def container(doc, **security_context):
    doc["spec"]["containers"][0]["securityContext"].update(security_context)
    return doc


def judge(doc, level="restricted", version=(1, 32)):
    return [(v.control, v.subject, v.detail, ".".join(map(str, v.path)))
            for v in evaluate(doc["metadata"], doc["spec"], Policy(level, version))]


def test_restricted_pod_meets_every_level():
    for level in ("privileged", "baseline", "restricted"):
        assert judge(pod(), level) == []


def test_a_bare_pod_meets_baseline_but_not_restricted():
    bare = {"metadata": {}, "spec": {"containers": [{"name": "web", "image": "app:1.0"}]}}
    assert judge(bare, "baseline") == []
    assert judge(bare, "restricted") == [
        ("Privilege Escalation", "container 'web'", "does not set allowPrivilegeEscalation: false",
         "spec.containers.0"),
        ("Running as Non-root", "container 'web'", "does not set runAsNonRoot: true (nor does the pod)",
         "spec.containers.0"),
        ("Seccomp", "container 'web'",
         "has no RuntimeDefault or Localhost seccompProfile (nor does the pod)", "spec.containers.0"),
        ("Capabilities", "container 'web'", "does not drop ALL", "spec.containers.0"),
    ]


@pytest.mark.parametrize("doc, expected", [
    (pod(hostNetwork=True, hostIPC=False),
     [("Host Namespaces", "pod", "sets hostNetwork: true", "spec.hostNetwork")]),
    (container(pod(), privileged=True),
     [("Privileged Containers", "container 'web'", "sets privileged: true",
       "spec.containers.0.securityContext.privileged")]),
    (container(pod(), capabilities={"add": ["CHOWN", "NET_ADMIN"]}),
     [("Capabilities", "container 'web'", "adds NET_ADMIN beyond the baseline set",
       "spec.containers.0.securityContext.capabilities.add")]),
    (pod(volumes=[{"name": "logs", "hostPath": {"path": "/var/log"}}]),
     [("HostPath Volumes", "volume 'logs'", "uses hostPath", "spec.volumes.0.hostPath")]),
    (container(pod(), procMount="Unmasked"),
     [("/proc Mount Type", "container 'web'", "sets procMount 'Unmasked'",
       "spec.containers.0.securityContext.procMount")]),
    (container(pod(), seccompProfile={"type": "Unconfined"}),
     [("Seccomp", "container 'web'", "sets seccompProfile.type 'Unconfined'",
       "spec.containers.0.securityContext.seccompProfile.type")]),
    (container(pod(), appArmorProfile={"type": "Unconfined"}),
     [("AppArmor", "container 'web'", "sets appArmorProfile.type 'Unconfined'",
       "spec.containers.0.securityContext.appArmorProfile.type")]),
    (container(pod(), seLinuxOptions={"type": "spc_t", "user": "system_u"}),
     [("SELinux", "container 'web'", "sets seLinuxOptions.type 'spc_t'",
       "spec.containers.0.securityContext.seLinuxOptions.type"),
      ("SELinux", "container 'web'", "sets seLinuxOptions.user",
       "spec.containers.0.securityContext.seLinuxOptions.user")]),
    (container(pod(), windowsOptions={"hostProcess": True}),
     [("HostProcess", "container 'web'", "sets windowsOptions.hostProcess: true",
       "spec.containers.0.securityContext.windowsOptions.hostProcess")]),
    (pod(securityContext={"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"},
                                      {"name": "kernel.msgmax", "value": "1"}]}),
     [("Sysctls", "pod", "sets the unsafe sysctl kernel.msgmax",
       "spec.securityContext.sysctls.1.name")]),
])
def test_each_baseline_control(doc, expected):
    assert judge(doc, "baseline") == expected


def test_host_ports_are_baseline_violations():
    doc = pod()
    doc["spec"]["containers"][0]["ports"] = [{"containerPort": 80}, {"containerPort": 443, "hostPort": 443}]
    assert judge(doc, "baseline") == [
        ("Host Ports", "container 'web'", "sets hostPort 443", "spec.containers.0.ports.1.hostPort")]


def test_apparmor_annotations():
    doc = pod()
    doc["metadata"]["annotations"] = {
        "container.apparmor.security.beta.kubernetes.io/web": "unconfined",
        "container.apparmor.security.beta.kubernetes.io/side": "localhost/my-profile",
    }
    assert judge(doc, "baseline") == [
        ("AppArmor", "annotation container.apparmor.security.beta.kubernetes.io/web",
         "sets profile 'unconfined'",
         "metadata.annotations.container.apparmor.security.beta.kubernetes.io/web")]


def test_init_and_ephemeral_containers_are_judged():
    doc = pod(initContainers=[{"name": "init", "image": "x", "securityContext": {"privileged": True}}],
              ephemeralContainers=[{"name": "dbg", "image": "x", "securityContext": {"privileged": True}}])
    assert [v[1] for v in judge(doc, "baseline")] == ["container 'init'", "container 'dbg'"]


def test_restricted_volume_types_replace_the_hostpath_control():
    doc = pod(volumes=[{"name": "logs", "hostPath": {"path": "/var/log"}},
                       {"name": "share", "nfs": {"server": "nas", "path": "/x"}},
                       {"name": "data", "persistentVolumeClaim": {"claimName": "data"}},
                       {"name": "defaulted"}])
    assert judge(doc, "restricted") == [
        ("Volume Types", "volume 'logs'", "uses the restricted volume type hostPath",
         "spec.volumes.0.hostPath"),
        ("Volume Types", "volume 'share'", "uses the restricted volume type nfs",
         "spec.volumes.1.nfs"),
    ]


def test_restricted_non_root_at_pod_or_every_container():
    doc = pod(securityContext={"seccompProfile": {"type": "RuntimeDefault"}})
    doc["spec"]["containers"].append({"name": "side", "image": "x", "securityContext": {
        "runAsNonRoot": True, "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}})
    assert judge(doc) == [
        ("Running as Non-root", "container 'web'", "does not set runAsNonRoot: true (nor does the pod)",
         "spec.containers.0.securityContext"),
    ]
    doc["spec"]["securityContext"]["runAsNonRoot"] = False
    assert [v[:3] for v in judge(doc)] == [
        ("Running as Non-root", "pod", "sets runAsNonRoot: false"),
        ("Running as Non-root", "container 'web'", "does not set runAsNonRoot: true (nor does the pod)"),
    ]


def test_restricted_run_as_user_zero_from_v1_23():
    doc = container(pod(), runAsUser=0)
    assert judge(doc) == [("Running as Non-root user", "container 'web'", "sets runAsUser: 0",
                           "spec.containers.0.securityContext.runAsUser")]
    assert judge(doc, version=(1, 22)) == []


def test_restricted_seccomp_at_pod_or_every_container():
    doc = pod(securityContext={"runAsNonRoot": True})
    assert [v[:2] for v in judge(doc)] == [("Seccomp", "container 'web'")]
    container(doc, seccompProfile={"type": "Localhost", "localhostProfile": "p.json"})
    assert judge(doc) == []
    doc["spec"]["securityContext"]["seccompProfile"] = {"type": "Unconfined"}
    assert [v[:3] for v in judge(doc)] == [("Seccomp", "pod", "sets seccompProfile.type 'Unconfined'")]


def test_restricted_capabilities():
    doc = container(pod(), capabilities={"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "CHOWN"]})
    assert judge(doc) == [("Capabilities", "container 'web'",
                           "adds CHOWN (only NET_BIND_SERVICE may be added)",
                           "spec.containers.0.securityContext.capabilities.add")]
    # Before v1.22 restricted had no capabilities control of its own: baseline's applies.
    assert judge(doc, version=(1, 21)) == []


def test_windows_pods_are_exempt_from_linux_only_controls_since_v1_25():
    doc = {"metadata": {}, "spec": {"os": {"name": "windows"}, "securityContext": {"runAsNonRoot": True},
                                    "containers": [{"name": "win", "image": "x"}]}}
    assert judge(doc) == []
    assert [v[0] for v in judge(doc, version=(1, 24))] == [
        "Privilege Escalation", "Seccomp", "Capabilities"]


def test_versioned_allow_lists():
    doc = pod(securityContext={"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"},
                               "sysctls": [{"name": "net.ipv4.tcp_keepalive_time", "value": "60"}]})
    assert judge(doc, version=(1, 29)) == []
    assert [v[2] for v in judge(doc, version=(1, 28))] == [
        "sets the unsafe sysctl net.ipv4.tcp_keepalive_time"]
    engine = container(pod(), seLinuxOptions={"type": "container_engine_t"})
    assert judge(engine, version=(1, 31)) == []
    assert [v[0] for v in judge(engine, version=(1, 30))] == ["SELinux"]


def test_probe_hosts_only_from_v1_34():
    doc = pod()
    doc["spec"]["containers"][0]["livenessProbe"] = {"httpGet": {"host": "10.0.0.1", "port": 80}}
    assert judge(doc, version=(1, 32)) == []
    assert judge(doc, version=(1, 34)) == [
        ("Host Probes / Lifecycle Hooks", "container 'web'", "sets host '10.0.0.1'",
         "spec.containers.0.livenessProbe.httpGet.host")]


@pytest.mark.parametrize("labels, expected", [
    ({}, None),
    ({"pod-security.kubernetes.io/enforce": "baseline"}, ("baseline", (1, 32), 0)),
    ({"pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "latest"}, ("restricted", (1, 32), 0)),
    ({"pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "v1.24"}, ("restricted", (1, 24), 0)),
    ({"pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "v1.40"}, ("restricted", (1, 32), 0)),
    ({"pod-security.kubernetes.io/enforce": "strict"}, ("restricted", (1, 32), 1)),
    ({"pod-security.kubernetes.io/enforce": "baseline",
      "pod-security.kubernetes.io/enforce-version": "1.25"}, ("baseline", (1, 32), 1)),
])
def test_policy_from_labels(labels, expected):
    policy = policy_from_labels(labels, (1, 32))
    got = None if policy is None else (policy.level, policy.version, len(policy.errors))
    assert got == expected


NAMESPACE = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    pod-security.kubernetes.io/enforce: {level}
---
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      hostNetwork: true
      containers:
        - name: web
          image: nginx:1.27.3
          securityContext:
            capabilities:
              add: [NET_ADMIN]
"""


def test_findings_name_control_container_and_namespace_policy(run_check):
    findings = run_check("pod-security", NAMESPACE.replace("{level}", "baseline") + DEPLOYMENT)
    assert [(f.object.name, f.message, f.field, f.line) for f in findings] == [
        ("web", "Host Namespaces: pod sets hostNetwork: true "
                "(namespace 'shop' enforces baseline:v1.32)", "spec.template.spec.hostNetwork", 16),
        ("web", "Capabilities: container 'web' adds NET_ADMIN beyond the baseline set "
                "(namespace 'shop' enforces baseline:v1.32)",
         "spec.template.spec.containers[0].securityContext.capabilities.add", 22),
    ]
    assert findings[0].hint == "remove hostNetwork/hostPID/hostIPC"


def test_privileged_namespace_and_unlabelled_namespace_pass(run_check):
    assert run_check("pod-security", NAMESPACE.replace("{level}", "privileged") + DEPLOYMENT) == []
    assert run_check("pod-security", DEPLOYMENT) == []


def test_overlay_version_and_enforce_version(run_check):
    namespace = NAMESPACE.replace("{level}", "restricted").replace(
        "    pod-security", "    pod-security.kubernetes.io/enforce-version: v1.21\n    pod-security", 1)
    pod = """\
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 0
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: c
      image: app:1.0
      securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
"""
    # runAsUser 0 is only a restricted violation from policy v1.23.
    assert run_check("pod-security", namespace + pod) == []
    latest = NAMESPACE.replace("{level}", "restricted")
    assert [f.message for f in run_check("pod-security", latest + pod)] == [
        "Running as Non-root user: pod sets runAsUser: 0 (namespace 'shop' enforces restricted:v1.32)"]
    assert [f.message for f in run_check("pod-security", latest + pod, kubernetes_version="1.22")] == []


def test_invalid_level_is_reported_and_enforced_as_restricted(run_check):
    findings = run_check("pod-security", NAMESPACE.replace("{level}", "strict") + DEPLOYMENT)
    assert findings[0].object.kind == "Namespace"
    assert findings[0].field == "metadata.labels.pod-security.kubernetes.io/enforce"
    assert "the API server enforces restricted" in findings[0].message
    assert "Volume Types" not in " ".join(f.message for f in findings)
    assert {f.message.split(":")[0] for f in findings[1:]} == {
        "Host Namespaces", "Privilege Escalation", "Running as Non-root", "Seccomp", "Capabilities"}
    assert all("enforces restricted:v1.32" in f.message for f in findings[1:])
