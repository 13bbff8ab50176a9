import xml.etree.ElementTree as ET

from kustguard.checks import all_checks
from kustguard.findings import Finding, ObjectRef, Severity
from kustguard.report import FORMATS, junit

WEB = ObjectRef("Deployment", "shop", "web")
FINDINGS = [
    Finding("privileged", Severity.ERROR, "container 'web' runs privileged", overlay="overlays/k3d",
            object=WEB, file="base/web/deployment.yaml", line=21, hint="remove it"),
    Finding("privileged", Severity.ERROR, "container 'side' runs privileged", overlay="overlays/k3d",
            object=WEB, file="base/web/deployment.yaml", line=30),
    Finding("host-path", Severity.WARNING, "volume 'x' mounts <the node's> path \"/\" & more\x07",
            overlay="overlays/k3d", object=WEB),
    Finding("privileged", Severity.ERROR, "container 'web' runs privileged", overlay="overlays/prod",
            object=WEB, file="base/web/deployment.yaml", line=21),
]


def parse(findings=FINDINGS, overlays=("overlays/k3d", "overlays/prod", "overlays/clean")):
    return ET.fromstring(junit.render(findings, checks=all_checks(), overlays=list(overlays)))


def overlay_checks():
    return [c.id for c in all_checks() if c.scope == "overlay"]


def test_one_suite_per_overlay_with_a_case_per_check():
    root = parse()
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites)[:3] == ["overlays/k3d", "overlays/prod", "overlays/clean"]
    k3d = suites["overlays/k3d"]
    assert [c.get("name") for c in k3d.findall("testcase")] == overlay_checks()
    assert k3d.get("tests") == str(len(overlay_checks()))
    assert k3d.get("failures") == "2"
    assert k3d.find("properties/property[@name='findings']").get("value") == "3"
    assert suites["overlays/prod"].get("failures") == "1"
    assert suites["overlays/clean"].get("failures") == "0"


def test_failures_per_finding():
    k3d = parse().find("testsuite[@name='overlays/k3d']")
    case = k3d.find("testcase[@name='privileged']")
    failures = case.findall("failure")
    assert [f.get("message") for f in failures] == [
        "Deployment/shop/web: container 'web' runs privileged",
        "Deployment/shop/web: container 'side' runs privileged",
    ]
    assert failures[0].get("type") == "error"
    assert failures[0].text == ("error: Deployment/shop/web: container 'web' runs privileged\n"
                                "at base/web/deployment.yaml:21\nfix: remove it")
    escaped = k3d.find("testcase[@name='host-path']/failure")
    assert escaped.get("message").startswith("Deployment/shop/web: volume 'x' mounts <the node's> path \"/\" & more")
    assert k3d.find("testcase[@name='image-tag']").findall("failure") == []


def test_totals_and_repository_suite():
    root = parse()
    suites = root.findall("testsuite")
    assert root.get("tests") == str(sum(int(s.get("tests")) for s in suites))
    assert root.get("failures") == "3"
    names = [s.get("name") for s in suites]
    has_repo_checks = any(c.scope == "repo" for c in all_checks())
    assert ("repository" in names) is has_repo_checks
    repo_finding = Finding("repo-only", Severity.ERROR, "a repository-wide finding", file="README.md", line=1)
    root = parse([repo_finding], overlays=[])
    suite = root.find("testsuite[@name='repository']")
    assert suite.find("testcase[@name='repo-only']/failure") is not None
    assert suite.get("failures") == "1"


def test_empty_run_is_valid_xml():
    root = parse([], overlays=[])
    assert root.tag == "testsuites" and root.get("failures") == "0"
    assert FORMATS["junit"] is junit
