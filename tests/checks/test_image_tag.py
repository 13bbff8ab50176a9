from kustguard.checks.image_tag import image_tag

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
        - name: wait
          image: {init}
      containers:
        - name: web
          image: {main}
"""


def render(init="busybox:1.36", main="nginx:1.27.3", annotations=""):
    text = DEPLOYMENT.replace("{init}", init).replace("{main}", main)
    if annotations:
        text = text.replace("  namespace: shop\n", f"  namespace: shop\n  annotations:\n{annotations}")
    return text


def test_pinned_images_pass(run_check):
    assert run_check("image-tag", render()) == []


def test_digest_passes(run_check):
    assert run_check("image-tag", render(main="nginx@sha256:" + "a" * 64)) == []


def test_missing_and_latest_tags_fail_with_field_line(run_check):
    findings = run_check("image-tag", render(init="busybox", main="registry:5000/app:latest"))
    assert [(f.object.name, f.field, f.line) for f in findings] == [
        ("web", "spec.template.spec.initContainers[0].image", 13),
        ("web", "spec.template.spec.containers[0].image", 16),
    ]
    assert "has no tag" in findings[0].message
    assert "latest" in findings[1].message
    assert findings[0].file == "manifests.yaml"


def test_suppression_needs_a_reason(run_check):
    empty = render(main="nginx", annotations='    ignore-check.kustguard.io/image-tag: ""\n')
    assert len(run_check("image-tag", empty)) == 1
    reasoned = render(main="nginx", annotations='    ignore-check.kustguard.io/image-tag: "lab only"\n')
    assert run_check("image-tag", reasoned) == []


def test_kube_linter_annotation_is_honoured(run_check):
    text = render(main="nginx", annotations='    ignore-check.kube-linter.io/latest-tag: "demo"\n')
    assert run_check("image-tag", text) == []


def test_registry_port_is_not_a_tag():
    assert image_tag("127.0.0.1:30500/todo") == ""
    assert image_tag("127.0.0.1:30500/todo:1.2") == "1.2"
