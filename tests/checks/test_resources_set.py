DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: app:1.0
          resources:
            requests: {cpu: 50m, memory: 64Mi}
            limits: {memory: 64Mi}
      containers:
        - name: web
          image: app:1.0
          resources:
            limits: {cpu: 500m}
        - name: sidecar
          image: proxy:1.0
"""

GOOD = """\
apiVersion: v1
kind: Pod
metadata: {name: ok, namespace: shop}
spec:
  containers:
    - name: web
      image: app:1.0
      resources:
        requests: {cpu: 100m, memory: 128Mi}
        limits: {memory: 256Mi}
  ephemeralContainers:
    - name: debug
      image: busybox:1.36
"""


def test_complete_resources_pass_and_ephemeral_is_skipped(run_check):
    assert run_check("resources-set", GOOD) == []


def test_missing_resources_are_named_per_container(run_check):
    findings = run_check("resources-set", DEPLOYMENT)
    assert [(f.message, f.field, f.line) for f in findings] == [
        ("container 'web' has no memory request, memory limit",
         "spec.template.spec.containers[0].resources", 18),
        ("container 'sidecar' has no cpu request, memory request, memory limit",
         "spec.template.spec.containers[1]", 20),
    ]
    assert all(f.object.name == "web" and f.object.namespace == "shop" for f in findings)
    assert findings[0].hint.startswith("set resources.requests.cpu")


def test_limit_range_defaults_count_as_set(run_check):
    limit_range = """\
---
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: shop}
spec:
  limits:
    - type: Container
      default: {memory: 256Mi, cpu: 500m}
"""
    assert run_check("resources-set", DEPLOYMENT + limit_range) == []


def test_limit_range_in_another_namespace_does_not_count(run_check):
    limit_range = """\
---
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: other}
spec:
  limits:
    - type: Container
      default: {memory: 256Mi}
      defaultRequest: {cpu: 100m, memory: 128Mi}
"""
    assert len(run_check("resources-set", DEPLOYMENT + limit_range)) == 2


def test_cronjob_containers_are_checked(run_check):
    cronjob = """\
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: job
              image: app:1.0
              resources:
                requests: {cpu: 10m, memory: 32Mi}
"""
    findings = run_check("resources-set", cronjob)
    assert [(f.object.namespace, f.message, f.field) for f in findings] == [
        ("default", "container 'job' has no memory limit",
         "spec.jobTemplate.spec.template.spec.containers[0].resources"),
    ]
