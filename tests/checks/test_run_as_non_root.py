POD_LEVEL = """\
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  securityContext:
    runAsNonRoot: true
  containers:
    - name: inherits
      image: app:1.0
    - name: overrides
      image: app:1.0
      securityContext:
        runAsNonRoot: false
    - name: root-uid
      image: app:1.0
      securityContext:
        runAsUser: 0
"""

NOTHING = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: app:1.0
        - name: own
          image: app:1.0
          securityContext:
            runAsNonRoot: true
            runAsUser: 10001
"""


def test_pod_level_setting_is_inherited_and_overridden(run_check):
    findings = run_check("run-as-non-root", POD_LEVEL)
    assert [(f.message, f.field, f.line) for f in findings] == [
        ("container 'overrides' runAsNonRoot is false",
         "spec.containers[1].securityContext.runAsNonRoot", 13),
        ("container 'root-uid' sets runAsNonRoot but runAsUser 0: the kubelet will refuse to start it",
         "spec.containers[2].securityContext.runAsUser", 17),
    ]


def test_unset_everywhere_fails_only_where_unset(run_check):
    findings = run_check("run-as-non-root", NOTHING)
    assert [(f.message, f.field, f.line) for f in findings] == [
        ("container 'web' runAsNonRoot is not set at pod or container level",
         "spec.template.spec.containers[0]", 8),
    ]


def test_pod_level_true_passes(run_check):
    text = POD_LEVEL.replace("runAsNonRoot: false", "runAsUser: 1000").replace("runAsUser: 0", "runAsUser: 2000")
    assert run_check("run-as-non-root", text) == []
