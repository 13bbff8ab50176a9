STATEFULSET = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  template:
    spec:
      containers:
        - name: db
          image: postgres:17.2
          securityContext:
            readOnlyRootFilesystem: true
        - name: exporter
          image: exporter:1.0
          securityContext:
            readOnlyRootFilesystem: false
        - name: backup
          image: backup:1.0
"""


def test_writable_root_filesystems_fail(run_check):
    findings = run_check("read-only-root-fs", STATEFULSET)
    assert [(f.object.kind, f.message, f.field, f.line) for f in findings] == [
        ("StatefulSet", "container 'exporter' readOnlyRootFilesystem is false",
         "spec.template.spec.containers[1].securityContext.readOnlyRootFilesystem", 15),
        ("StatefulSet", "container 'backup' readOnlyRootFilesystem is not set",
         "spec.template.spec.containers[2]", 16),
    ]


def test_read_only_everywhere_passes(run_check):
    text = STATEFULSET.replace("readOnlyRootFilesystem: false", "readOnlyRootFilesystem: true")
    text = text.replace("image: backup:1.0", "image: backup:1.0\n          securityContext: {readOnlyRootFilesystem: true}")
    assert run_check("read-only-root-fs", text) == []
