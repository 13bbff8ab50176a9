"""Custom workloads carrying a pod template get every finding a Deployment gets."""
from __future__ import annotations

import pytest

from kustguard.checks import all_checks
from kustguard.k8s.workloads import TEMPLATE_KINDS

TEMPLATE = """\
    metadata:
      labels: {app: web}
    spec:
      volumes:
        - name: host
          hostPath: {path: /var/run}
      containers:
        - name: web
          image: nginx:latest
          securityContext: {privileged: true}
          volumeMounts: [{name: host, mountPath: /host}]
"""


def _workload(api: str, kind: str) -> str:
    return (f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: web\n  namespace: shop\n"
            f"spec:\n  selector:\n    matchLabels: {{app: web}}\n  template:\n{TEMPLATE}")


CUSTOM = [("apps.openshift.io/v1", "DeploymentConfig"), ("argoproj.io/v1alpha1", "Rollout"),
          ("serving.knative.dev/v1", "Service")]
# The schema check knows only the core and imported kinds; every other one
# reads the pod template.
CHECKS = sorted(c.id for c in all_checks() if c.scope == "overlay" and c.id != "schema")


def _said(run_check, api: str, kind: str) -> list[tuple[str, str, str, int]]:
    text = _workload(api, kind)
    out = []
    for check_id in CHECKS:
        for f in run_check(check_id, text):
            out.append((check_id, f.message.replace(kind, "KIND"), f.field, f.line))
    return sorted(out)


@pytest.mark.parametrize("api, kind", CUSTOM)
def test_same_findings_as_a_deployment(run_check, api, kind):
    deployment = _said(run_check, "apps/v1", "Deployment")
    ids = {check_id for check_id, *_ in deployment}
    # The case from the issue: probes, privileged and hostPath at least.
    assert {"probes-present", "privileged", "host-path"} <= ids
    assert _said(run_check, api, kind) == deployment


def test_the_core_service_is_not_a_workload(run_check):
    """Knative's Service has a pod template; the core Service does not."""
    core = _workload("v1", "Service")
    assert run_check("privileged", core) == []


def test_every_row_has_a_template_path_of_mappings():
    keys = {(t.group, t.kind) for t in TEMPLATE_KINDS}
    assert len(keys) == len(TEMPLATE_KINDS)
    for row in TEMPLATE_KINDS:
        assert row.template == () or row.template[-1] == "template", row
