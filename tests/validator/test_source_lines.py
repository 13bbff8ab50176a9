"""A finding points at the file and line that wrote the field: the base, a
patch, a component, a JSON 6902 operation or an `images:` entry, following
kustomize's origin and transformer annotations. Real kustomize, small repos."""
from __future__ import annotations

import json

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: nginx:1.27.3
"""


def located(kustguard, root, *checks: str, entry: str = "overlays/dev") -> set[tuple]:
    args = [a for c in checks for a in ("--check", c)]
    proc = kustguard("validate", "--format", "json", *args, entry, cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    return {(f["check"], f["object"]["name"], f["field"], f["file"], f["line"])
            for f in json.loads(proc.stdout)["findings"]}


def line_of(root, rel: str, text: str) -> int:
    lines = (root / rel).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def test_a_container_a_patch_inserts_points_at_the_patch(make_repo, kustguard):
    root = make_repo({
        "base/web/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/web/deployment.yaml": DEPLOYMENT,
        "overlays/dev/kustomization.yaml": "resources: [../../base/web]\npatches:\n  - path: sidecar.yaml\n",
        "overlays/dev/sidecar.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n"
            "    spec:\n      containers:\n        - name: logshipper\n"
            "          image: fluent/fluent-bit:latest\n"),
    })
    found = located(kustguard, root, "image-tag", "probes-present")
    # Strategic merge puts the new container first: containers[0] is the
    # sidecar, containers[1] the base's `app`.
    image = ("image-tag", "web", "spec.template.spec.containers[0].image", "overlays/dev/sidecar.yaml", 10)
    assert image in found
    sidecar = {f for f in found if "containers[0]" in f[2]}
    assert {f[3] for f in sidecar} == {"overlays/dev/sidecar.yaml"}
    assert {f[4] for f in sidecar if f[0] == "probes-present"} == {9}
    # The base container keeps pointing at the base.
    base = {f for f in found if "containers[1]" in f[2]}
    assert base and {(f[3], f[4]) for f in base} == {("base/web/deployment.yaml", 13)}


def test_a_node_selector_a_component_adds_points_at_the_component(make_repo, kustguard):
    root = make_repo({
        "base/web/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/web/deployment.yaml": DEPLOYMENT,
        "components/edge/kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n"
            "  - path: placement.yaml\n"),
        "components/edge/placement.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n"
            "    spec:\n      nodeSelector:\n        pop: 1\n"),
        "overlays/dev/kustomization.yaml": "resources: [../../base/web]\ncomponents: [../../components/edge]\n",
    })
    assert located(kustguard, root, "schema") == {
        ("schema", "web", "spec.template.spec.nodeSelector.pop", "components/edge/placement.yaml", 9)}


def test_json6902_add_points_at_the_operation_file_and_inline(make_repo, kustguard):
    op = "- op: add\n  path: /spec/template/spec/nodeSelector\n  value:\n    pop: 1\n"
    root = make_repo({
        "base/web/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/web/deployment.yaml": DEPLOYMENT,
        "overlays/dev/kustomization.yaml": (
            "resources: [../../base/web]\npatches:\n  - path: ops.yaml\n"
            "    target: {kind: Deployment, name: web}\n"),
        "overlays/dev/ops.yaml": op,
        "overlays/inline/kustomization.yaml": (
            "resources: [../../base/web]\npatches:\n  - target:\n      kind: Deployment\n"
            "    patch: |-\n" + "".join(f"      {line}\n" for line in op.splitlines())),
    })
    assert located(kustguard, root, "schema") == {
        ("schema", "web", "spec.template.spec.nodeSelector.pop", "overlays/dev/ops.yaml", 4)}
    inline = "overlays/inline/kustomization.yaml"
    assert located(kustguard, root, "schema", entry="overlays/inline") == {
        ("schema", "web", "spec.template.spec.nodeSelector.pop", inline, line_of(root, inline, "pop: 1"))}


def test_an_images_override_points_at_the_images_entry(make_repo, kustguard):
    root = make_repo({
        "base/web/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/web/deployment.yaml": DEPLOYMENT,
        "overlays/dev/kustomization.yaml": (
            "resources: [../../base/web]\nimages:\n  - name: nginx\n    newTag: latest\n"),
    })
    assert located(kustguard, root, "image-tag") == {
        ("image-tag", "web", "spec.template.spec.containers[0].image",
         "overlays/dev/kustomization.yaml", 4)}


def test_name_prefix_finds_the_right_document(make_repo, kustguard):
    # The base file holds `web` and `app-web`; with namePrefix `app-`, the
    # rendered `app-web` comes from `web`, not from the document of that name.
    other = DEPLOYMENT.replace("name: web", "name: app-web").replace("nginx:1.27.3", "nginx:1.27.4")
    root = make_repo({
        "base/web/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/web/deployment.yaml": other + "---\n" + DEPLOYMENT.replace("nginx:1.27.3", "nginx"),
        "overlays/dev/kustomization.yaml": "resources: [../../base/web]\nnamePrefix: app-\n",
    })
    assert located(kustguard, root, "image-tag") == {
        ("image-tag", "app-web", "spec.template.spec.containers[0].image", "base/web/deployment.yaml",
         15 + 14)}
