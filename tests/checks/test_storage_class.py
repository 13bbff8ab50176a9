"""storage-class: claims ask for a storage class the environment provides."""

OBJECTS = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: db}
spec:
  storageClassName: local-path
  accessModes: [ReadWriteOnce]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: default-class, namespace: db}
spec:
  accessModes: [ReadWriteOnce]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: static, namespace: db}
spec:
  storageClassName: ""
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: pg, namespace: db}
spec:
  volumeClaimTemplates:
    - metadata: {name: pgdata}
      spec:
        storageClassName: CLASS
"""


def test_provided_classes_pass(run_check):
    assert run_check("storage-class", OBJECTS.replace("CLASS", "local-path"),
                     storage_classes=["local-path"]) == []


def test_rendered_storage_class_counts(run_check):
    text = OBJECTS.replace("CLASS", "fast") + """\
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: rancher.io/local-path
"""
    assert run_check("storage-class", text, storage_classes=["local-path"]) == []


def test_environment_without_classes_reports_nothing(run_check):
    assert run_check("storage-class", OBJECTS.replace("CLASS", "gp3")) == []


def test_unknown_classes_fail(run_check):
    text = OBJECTS.replace("CLASS", "gp3").replace("storageClassName: local-path", "storageClassName: standard")
    findings = run_check("storage-class", text, storage_classes=["local-path"])
    assert [(f.object.kind, f.object.name, f.field, f.line) for f in findings] == [
        ("PersistentVolumeClaim", "data", "spec.storageClassName", 5),
        ("StatefulSet", "pg", "spec.volumeClaimTemplates[0].spec.storageClassName", 27),
    ]
    assert findings[0].message == ("PersistentVolumeClaim 'data' asks for storage class 'standard', which "
                                   "environment 'test' does not provide (it provides: local-path)")
    assert findings[1].message.startswith("claim 'pgdata' asks for storage class 'gp3'")
