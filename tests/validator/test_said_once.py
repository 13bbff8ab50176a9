"""One mistake, one finding: pod-security and the standalone security checks."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DROP_ALL = """            capabilities:
              drop:
                - ALL
      containers:"""


def test_dropping_drop_all_in_todo_gives_exactly_one_finding(tmp_path, kustguard):
    repo = tmp_path / "repo"
    shutil.copytree(REPO, repo, ignore=shutil.ignore_patterns(".git", ".venv", ".tools", ".cache",
                                                              "__pycache__"))
    deployment = repo / "base/todo/deployment.yaml"
    text = deployment.read_text()
    assert text.count(DROP_ALL) == 1
    deployment.write_text(text.replace(DROP_ALL, "      containers:"))
    done = kustguard("validate", "overlays/k3d", "--format", "json", cwd=repo,
                     env={"KUSTGUARD_TOOLS_DIR": str(REPO / ".tools/bin")})
    findings = json.loads(done.stdout)["findings"]
    assert [(f["check"] if "check" in f else f["check_id"], f["file"]) for f in findings] == [
        ("pod-security", "base/todo/deployment.yaml")], findings
    assert "does not drop ALL" in findings[0]["message"]


def _finding(check: str, field: str, control: str | None = None, name: str = "web"):
    from kustguard.findings import Finding, ObjectRef, Severity

    return Finding(check, Severity.ERROR, "m", overlay="o", object=ObjectRef("Deployment", "shop", name),
                   field=field, extra={"control": control} if control else {})


def test_said_once_keeps_what_pod_security_does_not_say():
    from kustguard.checks._pss import said_once

    c0 = "spec.template.spec.containers[0]"
    c1 = "spec.template.spec.containers[1]"
    pss = _finding("pod-security", c0 + ".securityContext.capabilities.drop", "Capabilities")
    same = _finding("capabilities-drop-all", c0 + ".securityContext.capabilities.drop")
    other_container = _finding("capabilities-drop-all", c1 + ".securityContext")
    other_object = _finding("capabilities-drop-all", c0 + ".securityContext", name="api")
    other_control = _finding("privileged", c0 + ".securityContext.privileged")
    kept = said_once([pss, same, other_container, other_object, other_control])
    assert kept == [pss, other_container, other_object, other_control]
    # Nothing enforced (no pod-security finding): every standalone finding stays.
    assert said_once([same, other_control]) == [same, other_control]
