"""probes-present: readiness and liveness probes on every long-running container."""

PROBES = """\
          readinessProbe: {httpGet: {path: /, port: 80}}
          livenessProbe: {tcpSocket: {port: 80}}
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
        - name: migrate
          image: app:1
        - name: proxy
          image: envoy:1
          restartPolicy: Always
{proxy_probes}      containers:
        - name: web
          image: nginx:1
          ports: [{containerPort: 80}]
{web_probes}---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


def render(web=PROBES, proxy=PROBES):
    return DEPLOYMENT.replace("{web_probes}", web).replace("{proxy_probes}", proxy)


def test_probed_containers_pass_and_plain_init_containers_are_exempt(run_check):
    assert run_check("probes-present", render()) == []


def test_missing_probes_fail_per_probe_with_container_line(run_check):
    findings = run_check("probes-present", render(
        web="          readinessProbe: {httpGet: {path: /, port: 80}}\n", proxy=""))
    assert [(f.object.name, f.field, f.line, f.message) for f in findings] == [
        ("web", "spec.template.spec.initContainers[1]", 11,
         "sidecar 'proxy' has no readiness probe: the pod gets traffic before it can serve"),
        ("web", "spec.template.spec.initContainers[1]", 11,
         "sidecar 'proxy' has no liveness probe: a hung process is never restarted"),
        ("web", "spec.template.spec.containers[0]", 15,
         "container 'web' has no liveness probe: a hung process is never restarted"),
    ]
    assert all(f.severity.name == "ERROR" for f in findings)


def test_bare_pod_is_long_running_but_jobs_are_not(run_check):
    text = """\
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop}
spec:
  containers:
    - name: sh
      image: busybox:1
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: shop}
spec:
  template:
    spec:
      containers: [{name: run, image: busybox:1}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: run, image: busybox:1}]
"""
    findings = run_check("probes-present", text)
    # No Service selects the pod: it gets no traffic, so only liveness counts.
    assert [(f.object.kind, f.object.name, f.field, f.line, f.message.split(":")[0])
            for f in findings] == [
        ("Pod", "debug", "spec.containers[0]", 6, "container 'sh' has no liveness probe"),
    ]


def test_readiness_is_asked_only_of_pods_a_service_selects(run_check):
    unserved = render(web="", proxy=PROBES).split("---\n")[0]
    said = {f.message.split(":")[0] for f in run_check("probes-present", unserved)}
    assert said == {"container 'web' has no liveness probe"}
    served = {f.message.split(":")[0] for f in run_check("probes-present", render(web="", proxy=PROBES))}
    assert served == {"container 'web' has no liveness probe", "container 'web' has no readiness probe"}


def test_kube_linter_and_checkov_annotations_suppress(run_check):
    text = render(web="").replace(
        "metadata: {name: web, namespace: shop}",
        "metadata:\n  name: web\n  namespace: shop\n"
        "  annotations: {ignore-check.kube-linter.io/no-liveness-probe: batch worker}")
    assert run_check("probes-present", text) == []
    assert len(run_check("probes-present", text, include_suppressed=True)) == 2
