import pytest

from kustguard.checks.argocd_app_path import glob_to_regex, is_placeholder, normalize_repo_url

FILES = {
    # The entry points render the component folders Argo CD syncs.
    "overlays/k3d/kustomization.yaml": "resources: [todo, mysql]\n",
    "overlays/prod/kustomization.yaml": "resources: [todo]\n",
    "overlays/k3d/todo/kustomization.yaml": "resources: []\n",
    "overlays/k3d/mysql/kustomization.yaml": "resources: []\n",
    "overlays/k3d/plain/deploy.yaml": "kind: ConfigMap\n",
    "overlays/prod/todo/kustomization.yaml": "resources: []\n",
    "charts/web/Chart.yaml": "name: web\n",
}

APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: %(name)s, namespace: argocd}
spec:
  project: default
  source:
    repoURL: %(url)s
    path: %(path)s
"""


def app(name="todo", url="https://git.example.com/ops/gitops.git", path="overlays/k3d/todo"):
    return APP % {"name": name, "url": url, "path": path}


def test_existing_kustomization_passes(run_check):
    assert run_check("argocd-app-path", app(), files=FILES) == []


def test_missing_path_of_a_placeholder_repo_fails(run_check):
    findings = run_check("argocd-app-path", app(path="overlays/k3d/nope"), files=FILES)
    assert [(f.object.name, f.message, f.field, f.line) for f in findings] == [
        ("todo", "source path 'overlays/k3d/nope' does not exist in this repository",
         "spec.source.path", 8),
    ]


def test_folder_without_kustomization_fails_unless_directory(run_check):
    findings = run_check("argocd-app-path", app(path="overlays/k3d/plain"), files=FILES)
    assert [f.message for f in findings] == ["source path 'overlays/k3d/plain' has no kustomization"]
    directory = app(path="overlays/k3d/plain") + "    directory: {recurse: true}\n"
    assert run_check("argocd-app-path", directory, files=FILES) == []


def test_foreign_repo_is_checked_only_when_the_path_exists_here(run_check):
    foreign = "https://github.com/someone/else.git"
    assert run_check("argocd-app-path", app(url=foreign, path="guestbook"), files=FILES) == []
    findings = run_check("argocd-app-path", app(url=foreign, path="overlays/k3d/plain"), files=FILES)
    assert [f.message for f in findings] == ["source path 'overlays/k3d/plain' has no kustomization"]


def test_repo_url_setting_marks_this_repo(run_check):
    own = "git@github.com:My-Org/gitops.git"
    text = app(url="https://github.com/my-org/gitops", path="overlays/dev/todo")
    findings = run_check("argocd-app-path", text, files=FILES, settings={"repo-url": own})
    assert [f.message for f in findings] == [
        "source path 'overlays/dev/todo' does not exist in this repository"]
    assert run_check("argocd-app-path", text, files=FILES) == []


def test_path_leaving_the_repo_fails(run_check):
    findings = run_check("argocd-app-path", app(path="../other"), files=FILES)
    assert [f.message for f in findings] == ["source path '../other' leaves the repository"]


def test_multiple_sources_helm_and_refs(run_check):
    text = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: multi, namespace: argocd}
spec:
  sources:
    - {repoURL: https://charts.bitnami.com/bitnami, chart: redis, targetRevision: 19.0.0}
    - {repoURL: "https://git.example.com/ops/gitops.git", ref: values}
    - {repoURL: "https://git.example.com/ops/gitops.git", path: charts/web, helm: {}}
    - {repoURL: "https://git.example.com/ops/gitops.git", path: overlays/k3d/todo, helm: {}}
"""
    findings = run_check("argocd-app-path", text, files=FILES)
    assert [(f.message, f.field, f.line) for f in findings] == [
        ("source path 'overlays/k3d/todo' declares helm but has no Chart.yaml",
         "spec.sources[3].path", 9),
    ]


APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: envs, namespace: argocd}
spec:
  goTemplate: true
  generators:
    - matrix:
        generators:
          - git:
              repoURL: https://git.example.com/ops/gitops.git
              revision: HEAD
              directories:
                - path: overlays/*/*
                - path: overlays/prod/*
                  exclude: true
                - path: overlays/k3d/apps/*
          - list: {elements: [{cluster: in-cluster}]}
  template:
    metadata: {name: '{{.path.basename}}'}
    spec:
      project: default
      source:
        repoURL: https://git.example.com/ops/gitops.git
        path: '{{.path.path}}'
      destination: {name: '{{.cluster}}', namespace: '{{.path.basename}}'}
"""


def test_appset_directory_globs_must_match_a_kustomization(run_check):
    findings = run_check("argocd-app-path", APPSET, files=FILES)
    assert [(f.object.name, f.message, f.field, f.line) for f in findings] == [
        ("envs", "git directory generator path 'overlays/k3d/apps/*' matches no folder with a kustomization",
         "spec.generators[0].matrix.generators[0].git.directories[2].path", 16),
    ]


def test_excludes_remove_matches(run_check):
    only_prod = APPSET.replace("overlays/*/*", "overlays/prod/todo").replace(
        "                - path: overlays/k3d/apps/*\n", "")
    findings = run_check("argocd-app-path", only_prod, files=FILES)
    assert [f.message for f in findings] == [
        "git directory generator path 'overlays/prod/todo' matches no folder with a kustomization"]


def test_foreign_appset_generator_is_not_checked(run_check):
    foreign = APPSET.replace("              repoURL: https://git.example.com/ops/gitops.git",
                             "              repoURL: https://github.com/argoproj/argo-cd.git")
    assert run_check("argocd-app-path", foreign, files=FILES) == []


@pytest.mark.parametrize("glob, path, matches", [
    ("overlays/*", "overlays/k3d", True),
    ("overlays/*", "overlays/k3d/todo", False),
    ("overlays/*/*", "overlays/k3d/todo", True),
    ("overlays/k3?/*", "overlays/k3d/todo", True),
    ("overlays/[a-k]*/todo", "overlays/k3d/todo", True),
    ("overlays/[^a-k]*/todo", "overlays/k3d/todo", False),
    ("overlays/prod", "overlays/prod", True),
])
def test_glob_follows_go_path_match(glob, path, matches):
    assert bool(glob_to_regex(glob).match(path)) is matches


def test_repo_url_helpers():
    assert normalize_repo_url("git@github.com:Org/Repo.git") == normalize_repo_url(
        "https://user@github.com/org/repo/")
    assert is_placeholder("https://github.com/<your-org>/gitops.git")
    assert is_placeholder("https://git.example.com/ops/gitops.git")
    assert is_placeholder("")
    assert not is_placeholder("https://github.com/argoproj/argocd-example-apps.git")
    assert not is_placeholder("http://gitea.localhost:3000/ops/gitops.git")


def test_a_kustomization_no_entry_point_renders_fails(run_check):
    """Issue 14/20: what Argo CD syncs must be what validation renders."""
    files = {**FILES, "rbac/admin/kustomization.yaml": "resources: []\n",
             "overlays/k3d/extra/kustomization.yaml": "resources: []\n"}
    findings = run_check("argocd-app-path", app(path="rbac/admin") + "---\n" + app("x", path="overlays/k3d/extra"),
                         files=files)
    assert [f.message for f in findings] == [
        "source path 'rbac/admin': no entry point renders it (entry points: overlays/k3d, "
        "overlays/prod), so no check sees what it deploys",
        "source path 'overlays/k3d/extra': no entry point renders it (entry points: overlays/k3d, "
        "overlays/prod), so no check sees what it deploys",
    ]
    settings = 'entry-points = ["overlays/*", "rbac/*"]\n'
    files[".kustguard.toml"] = settings
    findings = run_check("argocd-app-path", app(path="rbac/admin"), files=files)
    assert findings == []
