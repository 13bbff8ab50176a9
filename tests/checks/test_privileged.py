POD = """\
apiVersion: v1
kind: Pod
metadata: {name: node-agent, namespace: ops}
spec:
  initContainers:
    - name: setup
      image: busybox:1.36
      securityContext: {privileged: true}
  containers:
    - name: agent
      image: agent:1.0
      securityContext:
        privileged: false
    - name: plain
      image: agent:1.0
"""


def test_only_privileged_containers_fail(run_check):
    findings = run_check("privileged", POD)
    assert [(f.object.name, f.message, f.field, f.line) for f in findings] == [
        ("node-agent", "container 'setup' runs privileged",
         "spec.initContainers[0].securityContext.privileged", 8),
    ]
    assert findings[0].severity.name == "ERROR"


def test_unprivileged_pod_passes(run_check):
    assert run_check("privileged", POD.replace("{privileged: true}", "{}")) == []


def test_kube_linter_suppression(run_check):
    text = POD.replace("metadata: {name: node-agent, namespace: ops}",
                       "metadata:\n  name: node-agent\n  namespace: ops\n  annotations:\n"
                       "    ignore-check.kube-linter.io/privileged-container: \"loads a kernel module\"")
    assert run_check("privileged", text) == []
