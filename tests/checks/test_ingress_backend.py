"""ingress-backend: Ingress backends name an existing Service and one of its ports."""

SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
    - {name: http, port: 80, targetPort: 8080}
---
"""

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  defaultBackend:
    service: {name: web, port: {number: 80}}
  rules:
    - host: shop.example
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port: {name: http}
          - path: /static
            pathType: Prefix
            backend:
              resource: {apiGroup: storage.example, kind: Bucket, name: static}
"""


def test_existing_service_and_ports_pass(run_check):
    assert run_check("ingress-backend", SERVICE + INGRESS) == []


def test_missing_service_and_wrong_ports_fail(run_check):
    text = SERVICE + INGRESS.replace("{number: 80}", "{number: 8080}").replace(
        "{name: http}", "{name: https}") + """\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: api, namespace: shop}
spec:
  rules:
    - http:
        paths:
          - path: /api
            pathType: Prefix
            backend:
              service:
                name: api
                port: {number: 80}
"""
    findings = run_check("ingress-backend", text)
    assert [(f.object.name, f.field, f.line) for f in findings] == [
        ("web", "spec.defaultBackend.service.port.number", 14),
        ("web", "spec.rules[0].http.paths[0].backend.service.port.name", 24),
        ("api", "spec.rules[0].http.paths[0].backend.service.name", 41),
    ]
    assert findings[0].message == ("Ingress 'web' routes to port 8080 of Service 'web', which has no such port")
    assert findings[0].hint.startswith("use one of the Service's ports (http=80)")
    assert findings[2].message == ("Ingress 'api' routes to Service 'api', which the overlay does not "
                                   "render in namespace 'shop'")


def test_service_in_another_namespace_does_not_count(run_check):
    text = SERVICE + INGRESS.replace("namespace: shop}\nspec:\n  defaultBackend", "namespace: blog}\nspec:\n  defaultBackend")
    findings = run_check("ingress-backend", text)
    assert [(f.object.namespace, f.field) for f in findings] == [
        ("blog", "spec.defaultBackend.service.name"),
        ("blog", "spec.rules[0].http.paths[0].backend.service.name"),
    ]
