"""pdb-selector: a PDB selects some pod template in its namespace."""

OBJECTS = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  template:
    metadata: {labels: {app: db, role: primary}}
    spec: {containers: [{name: db, image: postgres:16}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db, namespace: data}
spec:
  minAvailable: 1
"""


def test_matching_selectors_pass(run_check):
    for selector in ("{matchLabels: {app: db}}",
                     "{matchExpressions: [{key: role, operator: In, values: [primary, replica]}]}",
                     "{matchLabels: {app: db}, matchExpressions: [{key: canary, operator: DoesNotExist}]}",
                     "{}"):
        assert run_check("pdb-selector", OBJECTS + f"  selector: {selector}\n") == [], selector


def test_non_matching_selectors_fail(run_check):
    text = OBJECTS + """\
  selector:
    matchLabels: {app: db}
    matchExpressions:
      - {key: role, operator: NotIn, values: [primary]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: nothing, namespace: data}
spec:
  maxUnavailable: 1
"""
    findings = run_check("pdb-selector", text)
    assert [(f.object.name, f.field, f.line) for f in findings] == [
        ("db", "spec.selector", 14),
        ("nothing", "spec", 22),
    ]
    assert findings[0].message == ("PodDisruptionBudget 'db' selects app=db, role NotIn (primary), which no "
                                   "pod template in namespace 'data' matches")
    assert findings[1].message == "PodDisruptionBudget 'nothing' has no selector, so it selects no pods"


def test_other_namespace_does_not_count(run_check):
    text = OBJECTS.replace("{name: db, namespace: data}\nspec:\n  minAvailable",
                           "{name: db, namespace: web}\nspec:\n  minAvailable") + "  selector: {}\n"
    findings = run_check("pdb-selector", text)
    assert [(f.object.namespace, f.field) for f in findings] == [("web", "spec.selector")]
    assert "selects everything" in findings[0].message
