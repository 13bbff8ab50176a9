"""kustomization-lint: deprecated fields with their fix, unpinned remote bases."""
from __future__ import annotations

import pytest

from kustguard.edit.migrate import FIXABLE, MANUAL
from kustguard.hooks.kustomization_lint import (
    AUTOMATIC, DEPRECATED, check_files, lint_text, unpinned_reason,
)


def lint(text: str):
    return lint_text(text, "k/kustomization.yaml")


def test_a_current_kustomization_has_no_problem():
    text = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base/app
  - https://github.com/org/repo//deploy?ref=v1.4.2
  - https://raw.githubusercontent.com/org/repo/v1.4.2/install.yaml
labels:
  - pairs: {team: a}
patches:
  - path: replicas.yaml
"""
    assert lint(text) == []


def test_common_labels_is_refused_with_the_labels_block_that_replaces_it():
    text = "resources: [a.yaml]\n# the team\ncommonLabels:\n  team: a\n  tier: web\n"
    [problem] = lint(text)
    assert (problem.file, problem.line) == ("k/kustomization.yaml", 3)
    assert problem.message == "commonLabels is deprecated (replaced by labels)"
    assert "labels: [{pairs: {team: a, tier: web}, includeSelectors: true}]" in problem.fix
    assert problem.fix.endswith("`kustguard fix k/kustomization.yaml` does it for you")
    assert str(problem).startswith("k/kustomization.yaml:3: commonLabels is deprecated")


def test_bases_move_to_resources_after_the_existing_ones():
    [problem] = lint("resources: [cm.yaml]\nbases:\n  - ../base\n")
    assert problem.line == 2 and problem.message.startswith("bases is deprecated")
    assert "resources: [cm.yaml, ../base]" in problem.fix


def test_patches_strategic_merge_becomes_patches_with_paths():
    [problem] = lint("patchesStrategicMerge:\n  - a.yaml\n  - b.yaml\n")
    assert "patches: [{path: a.yaml}, {path: b.yaml}]" in problem.fix


def test_patches_json6902_keeps_its_targets():
    text = """patchesJson6902:
  - target: {group: apps, version: v1, kind: Deployment, name: web}
    path: ops.yaml
"""
    [problem] = lint(text)
    assert ("patches: [{path: ops.yaml, target: {group: apps, version: v1, kind: Deployment, "
            "name: web}}]") in problem.fix


def test_every_deprecated_field_is_one_problem_on_its_own_line():
    text = "bases: [a]\nvars: []\nimageTags: []\ncommonLabels: {a: b}\n"
    assert [(p.line, p.message.split()[0]) for p in lint(text)] == [
        (1, "bases"), (4, "commonLabels"), (2, "vars"), (3, "imageTags")]


@pytest.mark.parametrize("url, pinned", [
    ("https://github.com/org/repo//deploy?ref=v1.2.3", True),
    ("github.com/org/repo/deploy?ref=0123456789abcdef0123456789abcdef01234567", True),
    ("git@github.com:org/repo.git//deploy?ref=v2", True),
    ("https://github.com/org/repo//deploy?version=v1", True),
    ("https://raw.githubusercontent.com/org/repo/v1.2.3/install.yaml", True),
    ("https://github.com/org/repo//deploy", False),
    ("https://github.com/org/repo//deploy?timeout=90s", False),
    ("https://github.com/org/repo//deploy?ref=main", False),
    ("https://github.com/org/repo//deploy?ref=HEAD", False),
    ("https://raw.githubusercontent.com/org/repo/master/install.yaml", False),
])
def test_a_remote_entry_is_pinned_by_a_tag_or_commit(url, pinned):
    assert (unpinned_reason(url) is None) == pinned


def test_an_unpinned_remote_base_names_its_line_and_the_fix():
    text = "resources:\n  - ../local\n  - https://github.com/org/repo//deploy?ref=main\n"
    [problem] = lint(text)
    assert problem.line == 3
    assert "ref=main is a branch" in problem.message
    assert "?ref=<tag or commit>" in problem.fix


def test_a_helm_chart_without_version_is_unpinned():
    text = "helmCharts:\n  - name: redis\n    repo: https://charts.example.org\n"
    [problem] = lint(text)
    assert problem.line == 2 and "has no version" in problem.message


def test_check_files_reads_only_kustomizations_and_reports_broken_yaml(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/kustomization.yaml").write_text("resources: [x]\nresources: [y]\n")
    (tmp_path / "a/other.yaml").write_text("commonLabels: {a: b}\n")
    [problem] = check_files(["a/kustomization.yaml", "a/other.yaml", "a/missing/kustomization.yaml"],
                            tmp_path)
    assert (problem.file, problem.line) == ("a/kustomization.yaml", 2)
    assert "duplicate key 'resources'" in problem.message


def test_the_fields_said_to_be_automatic_are_those_kustguard_fix_rewrites():
    assert AUTOMATIC == set(FIXABLE)
    assert set(MANUAL) <= set(DEPRECATED) - AUTOMATIC
    [problem] = lint("vars: []\n")
    assert problem.fix.endswith("kustguard fix cannot do this one for you")
