POD = """\
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: ops}
spec:
  hostNetwork: true
  hostPID: false
  hostIPC: true
  containers:
    - name: shell
      image: busybox:1.36
"""


def test_each_shared_namespace_is_a_finding(run_check):
    findings = run_check("host-namespaces", POD)
    assert [(f.message, f.field, f.line) for f in findings] == [
        ("pod shares the node's network namespace (hostNetwork: true)", "spec.hostNetwork", 5),
        ("pod shares the node's IPC namespace (hostIPC: true)", "spec.hostIPC", 7),
    ]


def test_job_template_without_host_namespaces_passes(run_check):
    job = """\
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      hostPID: false
      containers:
        - name: job
          image: app:1.0
"""
    assert run_check("host-namespaces", job) == []


def test_checkov_skip_annotation_is_honoured(run_check):
    text = POD.replace("metadata: {name: debug, namespace: ops}",
                       "metadata:\n  name: debug\n  namespace: ops\n  annotations:\n"
                       "    checkov.io/skip1: CKV_K8S_19=node debugging pod")
    assert run_check("host-namespaces", text) == []
