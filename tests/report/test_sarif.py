import json
from pathlib import Path

import jsonschema
import pytest

from kustguard.checks import all_checks
from kustguard.findings import Finding, ObjectRef, Severity
from kustguard.report import FORMATS, sarif

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())

FINDINGS = [
    Finding("privileged", Severity.ERROR, "container 'web' runs privileged", overlay="overlays/k3d",
            object=ObjectRef("Deployment", "shop", "web"), file="base/web/deployment.yaml", line=21,
            field="spec.template.spec.containers[0].securityContext.privileged",
            hint="remove securityContext.privileged"),
    Finding("rbac-secrets", Severity.WARNING, "rule 0 can get Secrets in every namespace",
            overlay="argocd/install", object=ObjectRef("ClusterRole", "", "reader"),
            file="argocd/install/rbac with space.yaml", line=0),
    Finding("not-registered", Severity.INFO, "a finding of a check outside the registry"),
]


def render(findings=FINDINGS):
    return json.loads(sarif.render(findings, checks=all_checks(), overlays=["overlays/k3d", "argocd/install"]))


def validate(log):
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_output_is_valid_sarif_2_1_0():
    assert SCHEMA["id"].endswith("/sarif-schema-2.1.0.json")
    log = render()
    validate(log)
    assert log["version"] == "2.1.0"
    validate(render([]))


def test_schema_rejects_a_broken_log():
    log = render()
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError):
        validate(log)


def test_rules_carry_registry_metadata():
    driver = render()["runs"][0]["tool"]["driver"]
    ids = [r["id"] for r in driver["rules"]]
    assert ids[:len(all_checks())] == [c.id for c in all_checks()]
    rule = driver["rules"][ids.index("privileged")]
    assert rule["shortDescription"]["text"] == "No container runs privileged."
    assert rule["fullDescription"]["text"].startswith("No container runs privileged. A privileged")
    assert "Passing" not in rule["fullDescription"]["text"]
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert rule["properties"]["kube-linter"] == ["privileged-container"]
    assert "```yaml" in rule["help"]["markdown"]
    assert driver["rules"][ids.index("rbac-secrets")]["defaultConfiguration"] == {"level": "warning"}


def test_results_point_at_repo_relative_files():
    run = render()["runs"][0]
    third, second, first = run["results"]  # sorted by overlay: "", argocd/..., overlays/...
    assert first["ruleId"] == "privileged"
    assert run["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == "privileged"
    assert first["level"] == "error"
    physical = first["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": "base/web/deployment.yaml", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 21}}
    assert first["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "Deployment/shop/web"
    assert first["message"]["text"] == ("Deployment/shop/web: container 'web' runs privileged "
                                        "[overlays/k3d]. Fix: remove securityContext.privileged")
    assert first["properties"]["field"] == "spec.template.spec.containers[0].securityContext.privileged"
    assert second["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "argocd/install/rbac%20with%20space.yaml", "uriBaseId": "%SRCROOT%"}}
    assert "locations" not in third
    assert run["tool"]["driver"]["rules"][third["ruleIndex"]]["id"] == "not-registered"
    assert "%SRCROOT%" in run["originalUriBaseIds"]


def test_fingerprints_are_stable_and_distinct():
    a, b = render()["runs"][0]["results"][1:], render()["runs"][0]["results"][1:]
    assert a[0]["partialFingerprints"] == b[0]["partialFingerprints"]
    assert a[0]["partialFingerprints"] != a[1]["partialFingerprints"]


def test_registered_as_a_format():
    assert FORMATS["sarif"] is sarif
