"""A defect inside one check on one object is one `internal-error` finding
naming the check, the object and its file:line; everything else is still
checked, and the run exits 2."""
from __future__ import annotations

import json
import types

from kustguard import cli
from kustguard.checks import CheckInfo, OverlayContext, image_tag, run_checks
from kustguard.environment import Environment
from kustguard.findings import INTERNAL_ERROR, Severity
from kustguard.index import Index
from kustguard.resources import load_source_file

MANIFESTS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: first
data:
  mode: a
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: odd
data:
  mode: b
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: last
data:
  mode: c
"""


def _defective_check(ctx):
    """Reports every ConfigMap, but trips over the one named `odd`."""
    for res in ctx.index.of_kind("ConfigMap"):
        if res.name == "odd":
            raise ValueError("the value hunter2 leaked into an exception")
        yield ctx.report(res, f"saw {res.name}", path=("data", "mode"))


def test_a_failing_check_becomes_one_finding_and_the_rest_is_checked(tmp_path):
    module = types.SimpleNamespace(check=_defective_check)
    info = CheckInfo(id="demo", severity=Severity.INFO, family="general", scope="overlay",
                     doc="", module=module)  # type: ignore[arg-type]
    resources = load_source_file(MANIFESTS, "test", "cms.yaml")
    ctx = OverlayContext(repo_root=tmp_path, overlay="test", index=Index(resources),
                         environment=Environment("test", "1.32"))
    findings = [f for f, _ in run_checks(ctx, [(info, Severity.INFO)], "overlay")]
    assert sorted((f.check_id, f.object.name, f.file, f.line) for f in findings) == [
        ("demo", "first", "cms.yaml", 6),
        ("demo", "last", "cms.yaml", 20),
        (INTERNAL_ERROR, "odd", "cms.yaml", 8),
    ]
    (failure,) = [f for f in findings if f.check_id == INTERNAL_ERROR]
    assert "'demo'" in failure.message and "ValueError" in failure.message
    assert "hunter2" not in failure.message + failure.hint  # never the exception's text


def test_the_cli_reports_everything_and_exits_2(make_repo, monkeypatch, capsys):
    deployment = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - name: app
          image: {image}
"""
    root = make_repo({
        "base/kustomization.yaml": "resources: [a.yaml, b.yaml]\n",
        "base/a.yaml": deployment.format(name="a", image="nginx:latest"),
        "base/b.yaml": deployment.format(name="b", image="trip:latest"),
        "overlays/dev/kustomization.yaml": "resources: [../../base]\n",
    })
    real = image_tag.image_tag

    def defective(image: str) -> str:
        if image.startswith("trip"):
            raise KeyError(image)
        return real(image)

    monkeypatch.setattr(image_tag, "image_tag", defective)
    monkeypatch.chdir(root)
    code = cli.main(["validate", "--format", "json", "--no-cache", "--check", "image-tag", "overlays/dev"])
    out, err = capsys.readouterr()
    assert code == 2
    findings = json.loads(out)["findings"]
    assert {(f["check"], f["object"]["name"], f["file"], f["line"]) for f in findings} == {
        ("image-tag", "a", "base/a.yaml", 12),
        (INTERNAL_ERROR, "b", "base/b.yaml", 1),
    }
    assert "internal-error" in err and len(err.strip().splitlines()) == 1
