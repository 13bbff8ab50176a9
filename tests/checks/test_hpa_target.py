"""hpa-target: an HPA scales an object of the overlay."""

OBJECTS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {template: {spec: {containers: [{name: web, image: nginx:1}]}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  minReplicas: 2
  maxReplicas: 5
  scaleTargetRef:
    apiVersion: apps/v1
    kind: KIND
    name: NAME
"""


def render(kind="Deployment", name="web"):
    return OBJECTS.replace("KIND", kind).replace("NAME", name)


def test_existing_target_passes(run_check):
    assert run_check("hpa-target", render()) == []


def test_missing_target_fails(run_check):
    for kind, name in (("Deployment", "website"), ("StatefulSet", "web")):
        findings = run_check("hpa-target", render(kind, name))
        assert [(f.object.kind, f.object.name, f.field, f.line) for f in findings] == [
            ("HorizontalPodAutoscaler", "web", "spec.scaleTargetRef.name", 15),
        ]
        assert findings[0].message == (f"HorizontalPodAutoscaler 'web' scales {kind} {name!r}, which the "
                                       "overlay does not render in namespace 'shop'")


def test_kube_linter_annotation_suppresses(run_check):
    text = render(name="website").replace(
        "metadata: {name: web, namespace: shop}\nspec:\n  minReplicas",
        "metadata:\n  name: web\n  namespace: shop\n  annotations:\n"
        "    ignore-check.kube-linter.io/dangling-horizontalpodautoscaler: target made by an operator\n"
        "spec:\n  minReplicas")
    assert run_check("hpa-target", text) == []
    assert len(run_check("hpa-target", text, include_suppressed=True)) == 1
