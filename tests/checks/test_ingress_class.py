"""ingress-class: an Ingress's class is one the environment runs."""

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations: {kubernetes.io/ingress.class: ANNOTATED}
spec:
  ingressClassName: CLASS
  defaultBackend: {service: {name: web, port: {number: 80}}}
"""


def render(cls="traefik", annotated="traefik"):
    return INGRESS.replace("CLASS", cls).replace("ANNOTATED", annotated)


def test_known_class_passes(run_check):
    assert run_check("ingress-class", render(), ingress_classes=["traefik"]) == []


def test_no_declared_classes_reports_nothing(run_check):
    assert run_check("ingress-class", render("nginx", "nginx")) == []


def test_rendered_ingress_class_counts(run_check):
    text = render("internal", "traefik") + """\
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: internal}
spec: {controller: example.org/internal}
"""
    assert run_check("ingress-class", text, ingress_classes=["traefik"]) == []


def test_no_class_at_all_passes(run_check):
    text = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec: {}\n"
    assert run_check("ingress-class", text, ingress_classes=["traefik"]) == []


def test_unknown_classes_fail(run_check):
    findings = run_check("ingress-class", render("nginx", "public"), ingress_classes=["traefik", "haproxy"])
    assert [(f.object.name, f.field, f.line) for f in findings] == [
        ("web", "spec.ingressClassName", 8),
        ("web", "metadata.annotations.kubernetes.io/ingress.class", 6),
    ]
    assert findings[0].message == ("Ingress 'web' uses ingress class 'nginx', which environment 'test' does "
                                   "not run (it runs: haproxy, traefik)")
