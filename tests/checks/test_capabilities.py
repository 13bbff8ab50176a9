DAEMONSET = """\
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops}
spec:
  template:
    spec:
      containers:
        - name: good
          image: agent:1.0
          securityContext:
            capabilities:
              drop: [ALL]
              add: [NET_BIND_SERVICE]
        - name: partial
          image: agent:1.0
          securityContext:
            capabilities:
              drop: [NET_RAW]
        - name: lower
          image: agent:1.0
          securityContext:
            capabilities: {drop: [all]}
        - name: none
          image: agent:1.0
"""


def test_drop_all_is_required(run_check):
    findings = run_check("capabilities-drop-all", DAEMONSET)
    assert [(f.message, f.field, f.line, str(f.severity)) for f in findings] == [
        ("container 'partial' does not drop ALL capabilities",
         "spec.template.spec.containers[1].securityContext.capabilities.drop", 18, "warning"),
        # The runtime drops every capability for 'all' (containerd and CRI-O
        # compare case-insensitively); only Pod Security "restricted" minds.
        ("container 'lower' drops every capability as 'all'; Pod Security \"restricted\" "
         "only accepts 'ALL'",
         "spec.template.spec.containers[2].securityContext.capabilities.drop", 22, "info"),
        ("container 'none' does not drop ALL capabilities",
         "spec.template.spec.containers[3]", 23, "warning"),
    ]


def test_every_container_dropping_all_passes(run_check):
    pod = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
    - name: init
      image: busybox:1.36
      securityContext: {capabilities: {drop: [ALL]}}
  containers:
    - name: main
      image: app:1.0
      securityContext: {capabilities: {drop: [ALL]}}
"""
    assert run_check("capabilities-drop-all", pod) == []
