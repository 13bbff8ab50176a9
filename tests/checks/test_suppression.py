"""suppression: an annotation with no reason or an unknown check id is a finding."""

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: ns
  annotations:
    ignore-check.kustguard.io/image-tag: "vendor image, pinned upstream"
    ignore-check.kustguard.io/image-tags: "typo in the id"
    ignore-check.kustguard.io/run-as-non-root: "  "
    ignore-check.kube-linter.io/whatever: ""
spec:
  containers: [{name: c, image: "busybox:1.36"}]
"""


def test_unknown_ids_and_empty_reasons_are_findings(run_check):
    findings = run_check("suppression", POD)
    assert [(f.line, f.message) for f in findings] == [
        (8, "annotation 'ignore-check.kustguard.io/image-tags': unknown check id 'image-tags' "
            "(did you mean 'image-tag'?)"),
        (9, "annotation 'ignore-check.kustguard.io/run-as-non-root' gives no reason, "
            "so it suppresses nothing"),
    ]


def test_a_valid_suppression_passes(run_check):
    lines = [line for line in POD.splitlines() if "image-tags" not in line and "run-as" not in line]
    assert run_check("suppression", "\n".join(lines) + "\n") == []
