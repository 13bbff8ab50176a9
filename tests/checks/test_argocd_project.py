PROJECTS = """\
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: open, namespace: argocd}
spec:
  sourceRepos:
    - https://github.com/my-org/gitops.git
    - "*"
  destinations:
    - {server: "*", namespace: shop}
    - {name: in-cluster, namespace: "*"}
  clusterResourceWhitelist:
    - {group: "*", kind: "*"}
---
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: fenced, namespace: argocd}
spec:
  sourceRepos: ["https://github.com/my-org/*"]
  destinations:
    - {server: https://kubernetes.default.svc, namespace: "shop-*"}
  clusterResourceWhitelist:
    - {group: "", kind: Namespace}
"""


def test_bare_wildcards_fail(run_check):
    findings = run_check("argocd-project-wildcards", PROJECTS)
    assert [(f.object.name, f.message, f.field, f.line) for f in findings] == [
        ("open", "sourceRepos allows any repository ('*')", "spec.sourceRepos[1]", 7),
        ("open", "destination 0 allows any server ('*')", "spec.destinations[0].server", 9),
        ("open", "destination 1 allows any namespace ('*')", "spec.destinations[1].namespace", 10),
        ("open", "clusterResourceWhitelist entry 0 allows any group ('*')",
         "spec.clusterResourceWhitelist[0].group", 12),
        ("open", "clusterResourceWhitelist entry 0 allows any kind ('*')",
         "spec.clusterResourceWhitelist[0].kind", 12),
    ]
    assert findings[0].object.namespace == "argocd"


def test_patterns_and_names_pass(run_check):
    assert run_check("argocd-project-wildcards", PROJECTS.split("---\n")[1]) == []
