"""fix: golden rewrites that keep comments, proven by real kustomize renders."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from editrepo import fix_repo_files, git, golden, snapshot_tree
from kustguard.edit.fix import Deprecation, deprecations, fix_command
from kustguard.edit.migrate import migrate
from kustguard.toolchain import find_renderer, tool_env

DEV = "overlays/dev/kustomization.yaml"


def kustomize_build(root: Path, folder: str) -> str:
    renderer = find_renderer(root)
    assert renderer is not None and renderer.runs_exec_plugins, "the pinned kustomize is needed"
    proc = subprocess.run([*renderer.argv, str(root / folder)], capture_output=True, text=True,
                          env=tool_env(root, shape_only=True))
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture
def fix_repo(make_repo):
    def make(kustomization: str, **extra: str) -> Path:
        return make_repo({**fix_repo_files(kustomization), **extra})

    return make


@pytest.mark.parametrize("case", ["block", "flow", "anchors"])
def test_fix_yields_the_golden_file_and_byte_identical_output(fix_repo, edit_cli, case, tmp_path):
    root = fix_repo(golden(f"fix/{case}/before.yaml"))
    rendered_before = kustomize_build(root, "overlays/dev")
    proc = edit_cli("fix", "overlays/dev", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert (root / DEV).read_text() == golden(f"fix/{case}/after.yaml")
    assert kustomize_build(root, "overlays/dev") == rendered_before
    assert "overlays/dev: rendered output byte-identical" in proc.stderr
    assert f"wrote {DEV}" in proc.stderr
    assert "Warning" not in subprocess.run(  # kustomize no longer warns about the file
        [*find_renderer(root).argv, str(root / "overlays/dev")], capture_output=True,
        text=True).stderr


def test_vars_is_reported_and_left_for_a_person(fix_repo, edit_cli):
    root = fix_repo(golden("fix/vars/before.yaml"))
    rendered_before = kustomize_build(root, "overlays/dev")
    assert "--peer=web" in rendered_before  # the var is in use
    proc = edit_cli("fix", DEV, cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert f"{DEV}:5: vars needs a person: rewrite it as replacements" in proc.stderr
    assert (root / DEV).read_text() == golden("fix/vars/after.yaml")
    assert kustomize_build(root, "overlays/dev") == rendered_before


NOT_EQUIVALENT = """\
resources: [../../base/web]
commonLabels:
  team: payments
# kustomize runs JSON 6902 patches after commonLabels, but patches: before labels:
patchesJson6902:
  - target: {group: apps, version: v1, kind: Deployment, name: web}
    patch: |-
      - op: add
        path: /metadata/labels
        value: {team: platform}
"""


def test_a_rewrite_that_changes_the_output_is_refused(fix_repo, edit_cli):
    root = fix_repo(NOT_EQUIVALENT)
    before = snapshot_tree(root)
    proc = edit_cli("fix", "overlays/dev", cwd=root)
    assert proc.returncode == 1, proc.stderr
    assert "overlays/dev: rendered output differs: Deployment/web changes" in proc.stderr
    assert "refused: the rewrite is not proven equivalent; nothing written" in proc.stderr
    assert "+patches:" in proc.stdout  # the diff it would have written is shown
    assert snapshot_tree(root) == before


def test_strategic_merge_patches_go_before_patches_and_json_after_as_kustomize_applies_them(
        fix_repo, edit_cli):
    """Three patches set replicas; only the order kustomize used keeps the result."""
    root = fix_repo(
        "resources: [../../base/web]\n"
        "patchesJson6902:\n"
        "  - target: {group: apps, version: v1, kind: Deployment, name: web}\n"
        "    patch: '[{\"op\": \"replace\", \"path\": \"/spec/replicas\", \"value\": 5}]'\n"
        "patches:\n"
        "  - patch: '[{\"op\": \"replace\", \"path\": \"/spec/replicas\", \"value\": 7}]'\n"
        "    target: {kind: Deployment}\n"
        "patchesStrategicMerge:\n"
        "  - replicas.yaml\n")
    assert "replicas: 5" in kustomize_build(root, "overlays/dev")
    proc = edit_cli("fix", "overlays/dev", cwd=root)
    assert proc.returncode == 0, proc.stderr
    text = (root / DEV).read_text()
    assert text.index("path: replicas.yaml") < text.index("value\": 7") < text.index("value\": 5")
    assert "replicas: 5" in kustomize_build(root, "overlays/dev")


def test_dry_run_shows_the_diff_and_writes_nothing(fix_repo, edit_cli):
    root = fix_repo(golden("fix/flow/before.yaml"))
    before = snapshot_tree(root)
    proc = edit_cli("fix", "--dry-run", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"--- a/{DEV}\n+++ b/{DEV}\n")
    assert "+resources: [configmap.yaml, ../../base/web]" in proc.stdout
    assert "dry run: nothing written" in proc.stderr
    assert snapshot_tree(root) == before


def test_without_paths_every_kustomization_of_the_repository_is_fixed(fix_repo, edit_cli):
    root = fix_repo(golden("fix/anchors/before.yaml"), **{
        "overlays/prod/kustomization.yaml": "bases:\n- ../../base/web\nnamespace: prod\n"})
    rendered = {o: kustomize_build(root, f"overlays/{o}") for o in ("dev", "prod")}
    proc = edit_cli("fix", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert (root / "overlays/prod/kustomization.yaml").read_text() == (
        "resources:\n- ../../base/web\nnamespace: prod\n")
    assert (root / DEV).read_text() == golden("fix/anchors/after.yaml")
    assert {o: kustomize_build(root, f"overlays/{o}") for o in rendered} == rendered


def test_nothing_to_fix_exits_0(fix_repo, edit_cli):
    root = fix_repo(golden("fix/block/after.yaml"))
    proc = edit_cli("fix", cwd=root)
    assert (proc.returncode, proc.stdout) == (0, "")
    assert "nothing to fix" in proc.stderr


def test_a_kustomization_no_entry_point_renders_cannot_be_proven(fix_repo, edit_cli):
    root = fix_repo(golden("fix/flow/before.yaml"), **{
        "components/extra/kustomization.yaml":
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
            "commonLabels: {extra: 'yes'}\n"})
    before = snapshot_tree(root)
    proc = edit_cli("fix", "components/extra", cwd=root)
    assert proc.returncode == 1
    assert "components/extra/kustomization.yaml: no entry point renders it" in proc.stderr
    assert snapshot_tree(root) == before


def test_commit_uses_a_conventional_message(fix_repo, edit_cli):
    root = fix_repo(golden("fix/flow/before.yaml"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "initial")
    proc = edit_cli("fix", "--commit", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert git(root, "log", "-1", "--format=%s") == (
        f"chore(kustomize): migrate bases, commonLabels, patchesStrategicMerge in {DEV}\n")
    assert git(root, "status", "--porcelain") == ""


def test_an_inline_strategic_merge_patch_becomes_a_patch_block(tmp_path):
    """Inline patches render identically (the render engine's dependency scan
    reads patchesStrategicMerge entries as paths, so this one renders directly)."""
    before = (
        "resources: [../base]\n"
        "patchesStrategicMerge:\n"
        "  - |-   # inline\n"
        "    apiVersion: apps/v1\n"
        "    kind: Deployment\n"
        "    metadata: {name: web}\n"
        "    spec:\n"
        "      minReadySeconds: 5\n"
        "  - replicas.yaml\n")
    result = migrate(before, "k.yaml")
    assert result.text == (
        "resources: [../base]\n"
        "patches:\n"
        "  - patch: |-\n"
        "      apiVersion: apps/v1\n"
        "      kind: Deployment\n"
        "      metadata: {name: web}\n"
        "      spec:\n"
        "        minReadySeconds: 5\n"
        "  - path: replicas.yaml\n")
    files = fix_repo_files("")
    for name, text in (("base/deployment.yaml", files["base/web/deployment.yaml"]),
                       ("base/kustomization.yaml", "resources: [deployment.yaml]\n"),
                       ("old/replicas.yaml", files["overlays/dev/replicas.yaml"]),
                       ("old/kustomization.yaml", before)):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    shutil.copytree(tmp_path / "old", tmp_path / "new")
    (tmp_path / "new/kustomization.yaml").write_text(result.text)
    assert kustomize_build(tmp_path, "new") == kustomize_build(tmp_path, "old")


def test_deprecations_and_fix_command_for_the_hygiene_hook(tmp_path):
    path = tmp_path / "my app" / "kustomization.yaml"
    path.parent.mkdir()
    path.write_text(golden("fix/vars/before.yaml"))
    assert deprecations(path) == [
        Deprecation("bases", 3, "resources", automatic=True),
        Deprecation("vars", 5, "replacements", automatic=False),
    ]
    assert fix_command("overlays/my app/kustomization.yaml") == \
        "kustguard fix 'overlays/my app/kustomization.yaml'"
    assert fix_command(Path("overlays/dev")) == "kustguard fix overlays/dev"
