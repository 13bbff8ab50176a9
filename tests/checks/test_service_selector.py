"""service-selector: a Service selects some pod template in its namespace."""

OBJECTS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web, tier: front}}
    spec: {containers: [{name: web, image: nginx:1}]}
---
apiVersion: v1
kind: Pod
metadata: {name: worker, labels: {app: worker}}
spec: {containers: [{name: w, image: w:1}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web, tier: front}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: worker}
spec:
  selector: {app: worker}
---
apiVersion: v1
kind: Service
metadata: {name: manual, namespace: shop}
spec:
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: shop}
spec: {type: ExternalName, externalName: example.org, selector: {app: nothing}}
"""


def test_matching_and_selectorless_services_pass(run_check):
    assert run_check("service-selector", OBJECTS) == []


def test_dangling_selector_fails(run_check):
    text = OBJECTS + """\
---
apiVersion: v1
kind: Service
metadata: {name: web-typo, namespace: shop}
spec:
  selector: {app: website, tier: front}
---
apiVersion: v1
kind: Service
metadata: {name: wrong-ns, namespace: other}
spec:
  selector:
    app: web
"""
    findings = run_check("service-selector", text)
    assert [(f.object.kind, f.object.namespace, f.object.name, f.field, f.line) for f in findings] == [
        ("Service", "shop", "web-typo", "spec.selector", 42),
        ("Service", "other", "wrong-ns", "spec.selector", 48),
    ]
    assert findings[0].message == ("Service 'web-typo' selects app=website, tier=front, which no pod "
                                   "template in namespace 'shop' carries")
    assert findings[0].severity.name == "ERROR"


def test_kube_linter_dangling_service_annotation_suppresses(run_check):
    text = """\
apiVersion: v1
kind: Service
metadata:
  name: later
  annotations: {ignore-check.kube-linter.io/dangling-service: pods come from an operator}
spec: {selector: {app: operated}}
"""
    assert run_check("service-selector", text) == []
