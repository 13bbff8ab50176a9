"""Which entry points a change affects, on small repositories built for each case.

Layout (every case uses it):

    overlays/a        base/app (via a nested folder) + component comp + generator
    overlays/b        base/app directly + a patch from shared/patches
    overlays/c        base/other only
    argocd/apps       plain manifests
"""
from __future__ import annotations

import pytest

from kustguard.hooks.affected import affected_entries

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec: {containers: [{name: app, image: "nginx:1.27"}]}
"""

LAYOUT = {
    "overlays/a/kustomization.yaml": "resources: [app]\ncomponents: [../../components/comp]\n",
    "overlays/a/environment.yaml": "apiVersion: kustguard.io/v1\nkind: Environment\n",
    "overlays/a/app/kustomization.yaml": "resources: [../../../base/app]\n",
    "overlays/b/kustomization.yaml": (
        "resources: [../../base/app]\n"
        "patches:\n  - path: ../../shared/patches/replicas.yaml\n"),
    "overlays/c/kustomization.yaml": "resources: [../../base/other]\ngenerators: [secret-generator.yaml]\n",
    "overlays/c/secret-generator.yaml": (
        "apiVersion: kustguard.io/v1\nkind: SopsSecretGenerator\nmetadata: {name: creds}\n"
        "files: [../../secrets/creds.sops.yaml]\n"),
    "secrets/creds.sops.yaml": "stringData: {password: ENC[...]}\n",
    "base/app/kustomization.yaml": "resources: [deployment.yaml]\n",
    "base/app/deployment.yaml": DEPLOYMENT,
    "base/app/notes/README.md": "not loaded by any kustomization\n",
    "base/other/kustomization.yaml": "resources: [cm.yaml]\n",
    "base/other/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n",
    "components/comp/kustomization.yaml": (
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
        "patches:\n  - path: label.yaml\n"),
    "components/comp/label.yaml": DEPLOYMENT,
    "shared/patches/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec: {replicas: 2}\n",
    "argocd/apps/kustomization.yaml": "resources: [app.yaml]\n",
    "argocd/apps/app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: apps}\n",
    "README.md": "# test repo\n",
    "schemas/example.io/thing_v1.json": "{}\n",
}


def affected_names(root, changed):
    return {e.name for e in affected_entries(root, changed).affected}


@pytest.mark.parametrize("changed, expected", [
    (["base/app/deployment.yaml"], {"overlays/a", "overlays/b"}),
    (["base/other/cm.yaml"], {"overlays/c"}),
    # A component reaches only the overlay that lists it.
    (["components/comp/label.yaml"], {"overlays/a"}),
    # A patch outside every kustomization folder, named by one overlay.
    (["shared/patches/replicas.yaml"], {"overlays/b"}),
    # A file read by a generator's configuration (the SOPS plugin's files:).
    (["secrets/creds.sops.yaml"], {"overlays/c"}),
    (["overlays/a/environment.yaml"], {"overlays/a"}),
    (["overlays/a/app/kustomization.yaml"], {"overlays/a"}),
    (["argocd/apps/app.yaml"], {"argocd/apps"}),
    # Loaded by nothing: nothing to validate.
    (["README.md"], set()),
    (["base/app/notes/README.md"], set()),
    ([], set()),
    (["base/app/deployment.yaml", "base/other/cm.yaml"], {"overlays/a", "overlays/b", "overlays/c"}),
])
def test_a_change_affects_exactly_the_entry_points_that_load_it(make_repo, changed, expected):
    root = make_repo(LAYOUT)
    assert affected_names(root, changed) == expected


@pytest.mark.parametrize("settings", [".kustguard.toml", "pyproject.toml", "schemas/example.io/thing_v1.json"])
def test_settings_and_schemas_affect_every_entry_point(make_repo, settings):
    root = make_repo({**LAYOUT, "pyproject.toml": "[tool.kustguard]\n"})
    assert affected_names(root, [settings]) == {"overlays/a", "overlays/b", "overlays/c", "argocd/apps"}


def test_a_new_file_in_a_base_folder_affects_its_users(make_repo):
    root = make_repo({**LAYOUT, "base/app/extra.yaml": "kind: ConfigMap\n"})
    assert affected_names(root, ["base/app/extra.yaml"]) == {"overlays/a", "overlays/b"}


def test_a_deleted_file_of_a_base_folder_affects_its_users(make_repo):
    root = make_repo({**LAYOUT, "base/other/old.yaml": "kind: ConfigMap\n"})
    (root / "base/other/old.yaml").unlink()
    assert affected_names(root, ["base/other/old.yaml"]) == {"overlays/c"}


def test_an_entry_point_that_no_longer_loads_is_affected_with_the_reason(make_repo):
    root = make_repo({**LAYOUT, "base/other/kustomization.yaml": "resources: [gone.yaml]\n"})
    impact = affected_entries(root, ["base/other/kustomization.yaml"])
    assert {e.name for e in impact.affected} == {"overlays/c"}
    assert "gone.yaml" in impact.why["overlays/c"] and "does not exist" in impact.why["overlays/c"]


def test_paths_outside_the_repository_are_ignored(make_repo, tmp_path):
    root = make_repo(LAYOUT)
    assert affected_names(root, ["../elsewhere.yaml", str(tmp_path / "x.yaml")]) == set()


def test_the_summary_names_the_count_and_the_entry_points(make_repo):
    root = make_repo(LAYOUT)
    impact = affected_entries(root, ["base/app/deployment.yaml"])
    assert impact.summary() == ("validating 2 of 4 entry points affected by 1 staged file: "
                                "overlays/a, overlays/b")
    assert impact.why == {"overlays/a": "base/app/deployment.yaml",
                          "overlays/b": "base/app/deployment.yaml"}
