"""slow-start: slow-starting images get a startup probe or a late liveness probe."""
import pytest

from kustguard.checks.slow_start import slow_reason

STS = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  template:
    spec:
      containers:
        - name: db
          image: {image}
          readinessProbe: {tcpSocket: {port: 3306}}
{probes}"""


def render(image="mysql:8.4", probes=""):
    return STS.replace("{image}", image).replace("{probes}", probes)


@pytest.mark.parametrize("probes", [
    "          startupProbe: {tcpSocket: {port: 3306}, periodSeconds: 10, failureThreshold: 6}\n"
    "          livenessProbe: {tcpSocket: {port: 3306}}\n",
    "          startupProbe: {tcpSocket: {port: 3306}, initialDelaySeconds: 30, failureThreshold: 3}\n"
    "          livenessProbe: {tcpSocket: {port: 3306}}\n",
    "          livenessProbe: {tcpSocket: {port: 3306}, initialDelaySeconds: 30}\n",
    "",  # no liveness probe: probes-present reports it, nothing to restart it here
])
def test_enough_time_passes(run_check, probes):
    assert run_check("slow-start", render(probes=probes)) == []


def test_fast_image_needs_nothing(run_check):
    text = render(image="nginx:1.27", probes="          livenessProbe: {tcpSocket: {port: 80}}\n")
    assert run_check("slow-start", text) == []


def test_early_liveness_without_startup_probe_fails(run_check):
    text = render(probes="          livenessProbe: {tcpSocket: {port: 3306}, initialDelaySeconds: 5}\n")
    findings = run_check("slow-start", text)
    assert [(f.object.kind, f.object.name, f.field, f.line, f.message) for f in findings] == [
        ("StatefulSet", "db", "spec.template.spec.containers[0].livenessProbe", 11,
         "container 'db' runs image mysql, which starts slowly, but it has no startup probe "
         "and its liveness probe starts after 5s"),
    ]
    assert findings[0].severity.name == "WARNING"


def test_default_startup_probe_is_too_short(run_check):
    text = render(image="docker.elastic.co/elasticsearch/elasticsearch:8.15.0", probes=(
        "          startupProbe: {httpGet: {path: /, port: 9200}}\n"
        "          livenessProbe: {tcpSocket: {port: 9200}, initialDelaySeconds: 60}\n"))
    findings = run_check("slow-start", text)
    assert [(f.field, f.line) for f in findings] == [("spec.template.spec.containers[0].startupProbe", 11)]
    assert "allows only 30s (failureThreshold 3 x periodSeconds 10)" in findings[0].message


@pytest.mark.parametrize("container,expected", [
    ({"image": "postgres:16"}, "image postgres"),
    ({"image": "quay.io/keycloak/keycloak:26.0"}, "image keycloak"),
    ({"image": "hazelcast/hazelcast:5.5"}, "image hazelcast"),
    ({"image": "mongo@sha256:" + "a" * 64}, "image mongo"),
    ({"image": "registry:5000/shop/api:1.2-jre21"}, "a JVM image"),
    ({"image": "api:1.2", "env": [{"name": "JAVA_OPTS", "value": "-Xmx512m"}]}, "a JVM"),
    ({"image": "mysqld-exporter:0.15"}, ""),
    ({"image": "nginx:1.27"}, ""),
    ({"image": "jrebel-agent:1"}, ""),
])
def test_slow_image_list(container, expected):
    assert slow_reason(container) == expected
