"""statefulset-service: a StatefulSet's serviceName is a headless Service."""

OBJECTS = """\
apiVersion: v1
kind: Service
metadata: {name: mysql-headless, namespace: data}
spec: {clusterIP: None, selector: {app: mysql}, ports: [{port: 3306}]}
---
apiVersion: v1
kind: Service
metadata: {name: mysql, namespace: data}
spec: {selector: {app: mysql}, ports: [{port: 3306}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mysql, namespace: data}
spec:
  serviceName: NAME
  template: {spec: {containers: [{name: mysql, image: mysql:8}]}}
"""


def test_headless_service_passes(run_check):
    assert run_check("statefulset-service", OBJECTS.replace("NAME", "mysql-headless")) == []


def test_no_service_name_passes(run_check):
    assert run_check("statefulset-service", OBJECTS.replace("  serviceName: NAME\n", "")) == []


def test_missing_or_not_headless_service_fails(run_check):
    findings = run_check("statefulset-service", OBJECTS.replace("NAME", "mysql"))
    assert [(f.object.kind, f.object.name, f.field, f.line, f.message) for f in findings] == [
        ("StatefulSet", "mysql", "spec.serviceName", 15,
         "StatefulSet 'mysql' has serviceName 'mysql', but that Service is not headless"),
    ]
    findings = run_check("statefulset-service", OBJECTS.replace("NAME", "mysql-hs"))
    assert [(f.field, f.line, f.message) for f in findings] == [
        ("spec.serviceName", 15, "StatefulSet 'mysql' has serviceName 'mysql-hs', but the overlay renders "
                                 "no such Service in namespace 'data'"),
    ]
