"""secret-rendered: every rendered Secret's values come from the SOPS plugin."""
import base64

from kustguard.checks.secret_rendered import PLACEHOLDER
from kustguard.sops.generate import PLACEHOLDER as PLUGIN_PLACEHOLDER

SHAPE_ONLY = base64.b64encode(PLACEHOLDER.encode()).decode()

RENDERED = f"""\
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: todo
  annotations: {{kustguard.io/shape-only: "true"}}
data:
  password: {SHAPE_ONLY}
  user: {SHAPE_ONLY}
---
apiVersion: v1
kind: Secret
metadata: {{name: token, namespace: todo}}
type: kubernetes.io/service-account-token
---
apiVersion: v1
kind: Secret
metadata: {{name: leak, namespace: todo}}
stringData:
  user: {PLACEHOLDER}
  password: hunter2-plain
---
apiVersion: v1
kind: Secret
metadata:
  name: fake-shape
  namespace: todo
  annotations: {{kustguard.io/shape-only: "true"}}
data:
  api-key: aHVudGVyMi1wbGFpbg==
  empty: ""
"""


def test_the_placeholder_is_the_plugins():
    assert PLACEHOLDER == PLUGIN_PLACEHOLDER


def test_plaintext_values_fail_whatever_the_annotations_say(run_check):
    findings = run_check("secret-rendered", RENDERED)
    assert [(str(f.object), f.field, f.line, f.message) for f in findings] == [
        ("Secret/todo/leak", "stringData", 19, "Secret 'leak' holds plaintext values (keys: password)"),
        ("Secret/todo/fake-shape", "data", 29, "Secret 'fake-shape' holds plaintext values (keys: api-key)"),
    ]
    for f in findings:
        assert "hunter2" not in f.message + f.hint and "aHVudGVy" not in f.message


def test_a_suppression_with_a_reason_is_honoured(run_check):
    text = RENDERED.split("---\n")[2].replace(
        "metadata: {name: leak, namespace: todo}",
        "metadata:\n  name: leak\n  namespace: todo\n  annotations:\n"
        "    ignore-check.kustguard.io/secret-rendered: \"published lab value\"")
    assert run_check("secret-rendered", text) == []
