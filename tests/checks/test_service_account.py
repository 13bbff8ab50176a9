"""service-account: a pod's ServiceAccount exists in its namespace."""

OBJECTS = """\
apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      serviceAccountName: SA
      containers: [{name: api, image: api:1}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          serviceAccount: LEGACY
          containers: [{name: r, image: r:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop}
spec:
  serviceAccountName: default
  containers: [{name: d, image: d:1}]
"""


def test_existing_and_default_accounts_pass(run_check):
    assert run_check("service-account", OBJECTS.replace("SA", "api").replace("LEGACY", "api")) == []


def test_missing_accounts_fail(run_check):
    findings = run_check("service-account", OBJECTS.replace("SA", "api-sa").replace("LEGACY", "reporter"))
    assert [(f.object.kind, f.object.name, f.field, f.line) for f in findings] == [
        ("Deployment", "api", "spec.template.spec.serviceAccountName", 11),
        ("CronJob", "report", "spec.jobTemplate.spec.template.spec.serviceAccount", 22),
    ]
    assert findings[0].message == ("Deployment 'api' runs as ServiceAccount 'api-sa', which the overlay "
                                   "does not render in namespace 'shop'")


def test_account_in_another_namespace_does_not_count(run_check):
    text = OBJECTS.replace("{name: api, namespace: shop}\n---\napiVersion: apps/v1",
                           "{name: api, namespace: other}\n---\napiVersion: apps/v1")
    text = text.replace("SA", "api").replace("LEGACY", "default")
    findings = run_check("service-account", text)
    assert [(f.object.name, f.line) for f in findings] == [("api", 11)]
