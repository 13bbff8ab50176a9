"""promote end to end: real files, real kustomize, real validation, real git."""
from __future__ import annotations

import pytest

from editrepo import git, golden, snapshot_tree

GKE_TODO = "overlays/gke/todo/kustomization.yaml"
DIGEST = "sha256:" + "a" * 64
OTHER_DIGEST = "sha256:" + "b" * 64


def diff_against_golden(root, rel=GKE_TODO):
    from kustguard.edit.diff import unified

    return unified(rel, golden("promote/gke-todo.kustomization.yaml"),
                   (root / rel).read_text(encoding="utf-8"))


@pytest.mark.parametrize("args, expected", [
    (["todo", "--to", "gke", "--tag", "1.2.3"], "set-todo-tag.diff"),
    (["todo", "--to", "gke", "--digest", DIGEST], "set-todo-digest.diff"),
    (["busybox", "--to", "gke", "--tag", "1.37.0", "--digest", DIGEST], "set-busybox-flow.diff"),
    (["--from", "k3d", "--to", "gke"], "copy-all-from-k3d.diff"),
])
def test_promote_changes_exactly_the_expected_lines(envs_repo, edit_cli, args, expected):
    before = snapshot_tree(envs_repo)
    proc = edit_cli("promote", *args, cwd=envs_repo)
    assert proc.returncode == 0, proc.stderr
    assert diff_against_golden(envs_repo) == golden(f"promote/{expected}")
    assert proc.stdout == golden(f"promote/{expected}")  # the diff it showed is the one it wrote
    after = snapshot_tree(envs_repo)
    assert {k for k in after if after[k] != before.get(k)} == {GKE_TODO}
    assert "validated overlays/gke: no new findings" in proc.stderr


def test_dry_run_shows_the_diff_and_writes_nothing(envs_repo, edit_cli):
    before = snapshot_tree(envs_repo)
    proc = edit_cli("promote", "todo", "--to", "gke", "--tag", "1.2.3", "--dry-run", cwd=envs_repo)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == golden("promote/set-todo-tag.diff")
    assert "dry run: nothing written" in proc.stderr
    assert snapshot_tree(envs_repo) == before


def test_copy_of_one_image_leaves_the_others(envs_repo, edit_cli):
    proc = edit_cli("promote", "busybox", "--from", "k3d", "--to", "gke", cwd=envs_repo)
    assert proc.returncode == 0, proc.stderr
    from kustguard.edit.diff import changed_lines

    assert changed_lines(golden("promote/gke-todo.kustomization.yaml"),
                         (envs_repo / GKE_TODO).read_text()) == [
        '-      - {name: busybox, newTag: "1.36.1"}   # a flow mapping',
        '+      - {name: busybox, newTag: "1.37.0"}   # a flow mapping',
    ]


def test_a_tag_that_adds_a_finding_is_refused_and_nothing_changes(envs_repo, edit_cli):
    before = snapshot_tree(envs_repo)
    proc = edit_cli("promote", "todo", "--to", "gke", "--tag", "latest", cwd=envs_repo)
    assert proc.returncode == 1, proc.stderr
    assert "refused: the edit would add 1 finding; nothing written" in proc.stderr
    assert "image-tag Deployment/todo/todo" in proc.stderr
    assert "europe-docker.pkg.dev/demo/apps/todo:latest" in proc.stderr
    assert snapshot_tree(envs_repo) == before


LOCK = f"""\
apiVersion: kustguard.io/v1
kind: ImageLock
images:
  todo:
    "1.2.3": {DIGEST}
"""


@pytest.mark.parametrize("args, problem", [
    (["todo", "--tag", "1.2.4"], "todo:1.2.4 is not in overlays/gke/images.lock.yaml"),
    (["todo", "--tag", "1.2.3", "--digest", OTHER_DIGEST],
     f"is not the digest overlays/gke/images.lock.yaml records for 1.2.3 ({DIGEST})"),
    (["todo", "--digest", OTHER_DIGEST], f"todo@{OTHER_DIGEST} is not in"),
    (["busybox", "--tag", "1.37.0"], "busybox is not in overlays/gke/images.lock.yaml"),
])
def test_a_pin_missing_from_the_image_lock_is_refused(envs_repo, edit_cli, args, problem):
    (envs_repo / "overlays/gke/images.lock.yaml").write_text(LOCK)
    before = snapshot_tree(envs_repo)
    proc = edit_cli("promote", *args, "--to", "gke", cwd=envs_repo)
    assert proc.returncode == 1, proc.stderr
    assert problem in proc.stderr
    assert "nothing written" in proc.stderr
    assert snapshot_tree(envs_repo) == before


def test_a_pin_in_the_image_lock_is_promoted(envs_repo, edit_cli):
    (envs_repo / "overlays/gke/images.lock.yaml").write_text(LOCK)
    proc = edit_cli("promote", "todo", "--to", "gke", "--tag", "1.2.3", "--digest", DIGEST,
                    cwd=envs_repo)
    assert proc.returncode == 0, proc.stderr
    assert f"        digest: {DIGEST}\n" in (envs_repo / GKE_TODO).read_text()


def test_every_file_of_the_environment_that_names_the_image_is_edited(envs_repo, edit_cli):
    env_level = envs_repo / "overlays/gke/kustomization.yaml"
    env_level.write_text("resources:\n  - todo\nimages:\n  - name: busybox  # env-wide\n"
                         "    newTag: 1.36.1\n")
    proc = edit_cli("promote", "busybox", "--to", "gke", "--tag", "1.37.0", cwd=envs_repo)
    assert proc.returncode == 0, proc.stderr
    assert env_level.read_text() == ("resources:\n  - todo\nimages:\n  - name: busybox  # env-wide\n"
                                     "    newTag: 1.37.0\n")
    assert 'newTag: "1.37.0"}' in (envs_repo / GKE_TODO).read_text()


def test_a_tag_shared_through_an_anchor_is_not_edited(envs_repo, edit_cli):
    before = snapshot_tree(envs_repo)
    proc = edit_cli("promote", "mysql", "--to", "gke", "--tag", "8.4.5", cwd=envs_repo)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"kustguard: {GKE_TODO}: setting mysql:")
    assert "anchors" in proc.stderr and "Traceback" not in proc.stderr
    assert snapshot_tree(envs_repo) == before


def test_nothing_to_do_exits_0_without_a_diff(envs_repo, edit_cli):
    proc = edit_cli("promote", "todo", "--to", "k3d", "--tag", "1.2.3", cwd=envs_repo)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "k3d already runs todo 1.2.3" in proc.stderr


@pytest.mark.parametrize("args, message", [
    (["todo", "--to", "prod", "--tag", "1.2.3"], "no environment 'prod' (no folder overlays/prod) (one of: gke, k3d)"),
    (["redis", "--to", "gke", "--tag", "7.4.2"], "no images: entry named 'redis' under overlays/gke"),
    (["todo", "--to", "gke", "--tag=.bad"], "'.bad' is not a valid image tag"),
    (["todo", "--to", "gke", "--digest", "sha256:xyz"], "'sha256:xyz' is not a valid image digest"),
    (["todo", "--to", "gke"], "give --tag and/or --digest, or --from ENV"),
    (["todo", "--from", "k3d", "--to", "gke", "--tag", "1"], "either --from or --tag/--digest"),
    (["todo", "--from", "gke", "--to", "gke"], "--from and --to name the same environment"),
])
def test_usage_and_input_errors_exit_2_with_one_line(envs_repo, edit_cli, args, message):
    before = snapshot_tree(envs_repo)
    proc = edit_cli("promote", *args, cwd=envs_repo)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert snapshot_tree(envs_repo) == before


def test_commit_records_only_the_edited_file_with_a_conventional_message(git_repo, edit_cli):
    unrelated = git_repo / "base/todo/deployment.yaml"
    unrelated.write_text(unrelated.read_text() + "# work in progress\n")
    proc = edit_cli("promote", "todo", "--to", "gke", "--tag", "1.2.3", "--commit", cwd=git_repo)
    assert proc.returncode == 0, proc.stderr
    assert git(git_repo, "log", "-1", "--format=%s") == "chore(gke): promote todo to 1.2.3\n"
    assert git(git_repo, "show", "--name-only", "--format=", "HEAD") == f"{GKE_TODO}\n"
    assert git(git_repo, "status", "--porcelain") == " M base/todo/deployment.yaml\n"
    assert git(git_repo, "rev-list", "--count", "HEAD") == "2\n"
    assert "(not pushed)" in proc.stderr


def test_copy_commit_message_names_the_source_and_every_change(git_repo, edit_cli):
    proc = edit_cli("promote", "--from", "k3d", "--to", "gke", "--commit", cwd=git_repo)
    assert proc.returncode == 0, proc.stderr
    assert git(git_repo, "log", "-1", "--format=%B") == (
        "chore(gke): promote 2 images from k3d\n\n"
        f"- {GKE_TODO}: busybox 1.36.1 -> 1.37.0\n"
        f"- {GKE_TODO}: todo 1.0.0 -> 1.2.3\n\n")


def test_the_kustguard_command_runs_promote_and_fix(envs_repo, kustguard, shared_cache):
    env = {"KUSTGUARD_CACHE_DIR": str(shared_cache)}
    proc = kustguard("promote", "todo", "--to", "gke", "--tag", "1.2.3", "--dry-run",
                     cwd=envs_repo, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == golden("promote/set-todo-tag.diff")
    proc = kustguard("fix", "--dry-run", cwd=envs_repo, env=env)
    assert (proc.returncode, proc.stderr) == (0, "nothing to fix\n")
