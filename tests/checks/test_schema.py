"""The schema check: strict schemas for the overlay's version, findings at the field's line."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kustguard.checks import OverlayContext, check_by_id, run_checks
from kustguard.environment import Environment
from kustguard.index import Index
from kustguard.pipeline import cache_dir
from kustguard.resources import SourceMaps, parse_stream
from kustguard.schema.backends import make_backend

GOOD = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 80
      targetPort: http
"""

BAD = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  port: 80
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: pool
spec:
  addresses: 172.18.0.250-172.18.0.254
"""


@pytest.fixture(scope="module")
def backend(repo_root):
    return make_backend("python", repo_root, cache_dir(repo_root), "1.32", None)


def run_schema(text, backend, tmp_path):
    (tmp_path / "m.yaml").write_text(text)
    resources = parse_stream(text, "test", "m.yaml", sources=SourceMaps(tmp_path))
    for res in resources:
        res.source = "m.yaml"
    info = check_by_id("schema")
    ctx = OverlayContext(repo_root=tmp_path, overlay="test", index=Index(resources),
                       environment=Environment("test", "1.32"), schema=backend)
    return [f for f, hidden in run_checks(ctx, [(info, info.severity)], "overlay") if not hidden]


def test_valid_objects_pass(backend, tmp_path):
    assert run_schema(GOOD, backend, tmp_path) == []


def test_unknown_field_and_crd_type_error_are_located(backend, tmp_path):
    findings = run_schema(BAD, backend, tmp_path)
    assert [(f.object.kind, f.field, f.line) for f in findings] == [
        ("Service", "spec.port", 6),
        ("IPAddressPool", "spec.addresses", 13),
    ]
    assert "Additional properties are not allowed ('port' was unexpected)" in findings[0].message
    assert "is not of type" in findings[1].message


WIDGETS = """\
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: shop}
---
apiVersion: other.io/v1
kind: Gadget
metadata: {name: g, namespace: shop}
"""


@pytest.mark.parametrize("settings, want", [
    ("", {("Widget", "error"), ("Gadget", "error")}),
    ('[missing-schemas]\n"example.com" = "warning"\n', {("Widget", "warning"), ("Gadget", "error")}),
    ('[missing-schemas]\n"example.com" = "ignore"\n"*" = "warning"\n', {("Gadget", "warning")}),
])
def test_missing_schemas_per_api_group(make_repo, kustguard, settings, want):
    root = make_repo({"overlays/x/kustomization.yaml": "resources: [w.yaml]\n",
                      "overlays/x/w.yaml": WIDGETS})
    (root / ".kustguard.toml").write_text('fail-on = "info"\n' + settings)
    done = kustguard("validate", "overlays/x", "--check", "schema", "--format", "json", cwd=root,
                     env={"KUSTGUARD_TOOLS_DIR": str(Path(__file__).resolve().parents[2] / ".tools/bin")})
    found = {(f["object"]["kind"], f["severity"]) for f in json.loads(done.stdout)["findings"]}
    assert found == want
    assert done.returncode == (1 if want else 0)


def test_an_unknown_missing_schemas_policy_is_a_usage_error(make_repo, kustguard):
    root = make_repo({"overlays/x/kustomization.yaml": "resources: []\n"})
    (root / ".kustguard.toml").write_text('[missing-schemas]\n"*" = "quiet"\n')
    done = kustguard("validate", cwd=root)
    assert done.returncode == 2
    assert "missing-schemas: 'quiet' for '*' is unknown" in done.stderr
