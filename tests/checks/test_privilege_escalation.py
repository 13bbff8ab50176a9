DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers:
        - name: safe
          image: app:1.0
          securityContext:
            allowPrivilegeEscalation: false
        - name: explicit
          image: app:1.0
          securityContext:
            allowPrivilegeEscalation: true
        - name: unset
          image: app:1.0
          securityContext:
            runAsNonRoot: true
        - name: bare
          image: app:1.0
"""


def test_only_explicit_false_passes(run_check):
    findings = run_check("privilege-escalation", DEPLOYMENT)
    assert [(f.message, f.field, f.line) for f in findings] == [
        ("container 'explicit' allowPrivilegeEscalation is true",
         "spec.template.spec.containers[1].securityContext.allowPrivilegeEscalation", 15),
        ("container 'unset' allowPrivilegeEscalation is not set (defaults to true)",
         "spec.template.spec.containers[2].securityContext", 18),
        ("container 'bare' allowPrivilegeEscalation is not set (defaults to true)",
         "spec.template.spec.containers[3]", 20),
    ]


def test_all_false_passes(run_check):
    pod = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      image: app:1.0
      securityContext: {allowPrivilegeEscalation: false}
"""
    assert run_check("privilege-escalation", pod) == []
