from kustguard.checks import all_checks
from kustguard.findings import Finding, ObjectRef, Severity
from kustguard.report import FORMATS, github
from kustguard.report.github import escape_data, escape_property


def render(findings):
    return github.render(findings, checks=all_checks(), overlays=["overlays/k3d"])


def test_one_annotation_per_finding_with_levels():
    out = render([
        Finding("privileged", Severity.ERROR, "container 'web' runs privileged", overlay="overlays/k3d",
                object=ObjectRef("Deployment", "shop", "web"), file="base/web/deployment.yaml", line=21,
                hint="remove securityContext.privileged"),
        Finding("rbac-secrets", Severity.WARNING, "rule 0 can get Secrets", overlay="overlays/k3d",
                object=ObjectRef("Role", "shop", "r"), file="base/rbac.yaml"),
        Finding("x", Severity.INFO, "no location"),
    ])
    assert out.splitlines() == [
        "::notice title=kustguard x::no location",
        "::error file=base/web/deployment.yaml,line=21,title=kustguard privileged (overlays/k3d)"
        "::Deployment/shop/web: container 'web' runs privileged%0Afix: remove securityContext.privileged",
        "::warning file=base/rbac.yaml,title=kustguard rbac-secrets (overlays/k3d)"
        "::Role/shop/r: rule 0 can get Secrets",
    ]


def test_escaping_as_github_documents():
    assert escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert escape_property("a:b,c%\nd\re") == "a%3Ab%2Cc%25%0Ad%0De"
    line = render([Finding("c", Severity.ERROR, "50%: bad,\nworse", overlay="o:1,2",
                           file="dir,with:odd/file%.yaml", line=3)])
    assert line == ("::error file=dir%2Cwith%3Aodd/file%25.yaml,line=3,title=kustguard c (o%3A1%2C2)"
                    "::50%25: bad,%0Aworse\n")


def test_no_findings_prints_nothing():
    assert render([]) == ""
    assert FORMATS["github"] is github
