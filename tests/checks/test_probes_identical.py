"""probes-identical: liveness and readiness probes differ."""

TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      containers:
        - name: api
          image: api:1
          readinessProbe:
            httpGet: {path: /health, port: 8080}
          livenessProbe:
            httpGet: {path: LIVE, port: 8080}
"""


def test_different_probes_pass(run_check):
    assert run_check("probes-identical", TEMPLATE.replace("LIVE", "/alive")) == []


def test_same_handler_with_different_threshold_passes(run_check):
    text = TEMPLATE.replace("LIVE", "/health") + "            failureThreshold: 6\n"
    assert run_check("probes-identical", text) == []


def test_identical_probes_warn(run_check):
    findings = run_check("probes-identical", TEMPLATE.replace("LIVE", "/health"))
    assert [(f.object.name, f.field, f.line, f.severity.name) for f in findings] == [
        ("api", "spec.template.spec.containers[0].livenessProbe", 12, "WARNING"),
    ]
    assert findings[0].message.startswith("container 'api' has identical liveness and readiness probes")
