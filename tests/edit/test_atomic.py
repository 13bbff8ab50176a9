"""Writes are atomic and never overwrite a change made since the file was read."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap

import pytest

from editrepo import golden, snapshot_tree
from kustguard.edit import atomic, promote, validation
from kustguard.edit.cli import cmd_promote
from kustguard.edit.images import Pin

GKE_TODO = "overlays/gke/todo/kustomization.yaml"


def leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.startswith(atomic.TEMP_PREFIX)]


def test_a_file_changed_between_read_and_write_is_not_overwritten(envs_repo):
    plan = promote.plan_set(envs_repo, "gke", "todo", Pin("1.2.3"))
    target = envs_repo / GKE_TODO
    target.write_text(target.read_text() + "# a teammate's edit\n")
    with pytest.raises(atomic.ConcurrentChange) as caught:
        atomic.replace_all([(s, t.encode()) for s, t in plan.files.items()])
    assert str(caught.value) == (f"{GKE_TODO}: changed on disk since it was read; nothing written "
                                 "(re-run the command on the new content)")
    assert target.read_text().endswith("# a teammate's edit\n")
    assert "'1.0.0'" in target.read_text()
    assert leftovers(target.parent) == []


def test_promote_detects_an_edit_made_while_it_validated(envs_repo, monkeypatch, capsys):
    """The edit lands during validation (the slow part); promote exits 2 naming the file."""
    monkeypatch.chdir(envs_repo)
    target = envs_repo / GKE_TODO
    real_validate = validation.validate

    def validate_while_a_teammate_edits(repo_root, content):
        verdict = real_validate(repo_root, content)
        target.write_text(target.read_text().replace("namespace:   todo", "namespace: todo"))
        return verdict

    monkeypatch.setattr(validation, "validate", validate_while_a_teammate_edits)
    args = argparse.Namespace(images=["todo"], to="gke", source=None, tag="1.2.3", digest=None,
                              dry_run=False, commit=False)
    with pytest.raises(atomic.ConcurrentChange, match=GKE_TODO):
        cmd_promote(args)
    text = target.read_text()
    assert "namespace: todo" in text and "'1.0.0'" in text


def test_a_failing_rename_leaves_the_file_whole_and_no_temp_file(envs_repo, monkeypatch):
    plan = promote.plan_set(envs_repo, "gke", "todo", Pin("1.2.3"))
    before = snapshot_tree(envs_repo)

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic.replace_all([(s, t.encode()) for s, t in plan.files.items()])
    assert snapshot_tree(envs_repo) == before
    assert leftovers(envs_repo / "overlays/gke/todo") == []


def test_when_a_later_file_fails_the_earlier_ones_are_put_back(envs_repo, monkeypatch):
    env_level = envs_repo / "overlays/gke/kustomization.yaml"
    env_level.write_text("resources:\n  - todo\nimages:\n  - name: busybox\n    newTag: 1.36.1\n")
    plan = promote.plan_set(envs_repo, "gke", "busybox", Pin("1.37.0"))
    assert len(plan.files) == 2
    before = snapshot_tree(envs_repo)
    real_replace = os.replace
    calls = []

    def second_rename_fails(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", second_rename_fails)
    with pytest.raises(OSError):
        atomic.replace_all([(s, t.encode()) for s, t in plan.files.items()])
    assert snapshot_tree(envs_repo) == before


def test_a_process_killed_mid_write_leaves_the_old_file(envs_repo):
    """A real crash: the writer dies after the temporary file is written, before the rename."""
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from kustguard.edit import atomic, promote
        from kustguard.edit.images import Pin
        plan = promote.plan_set(Path({str(envs_repo)!r}), "gke", "todo", Pin("1.2.3"))
        atomic.os.replace = lambda src, dst: os._exit(9)
        atomic.replace_all([(s, t.encode()) for s, t in plan.files.items()])
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 9, proc.stderr
    assert (envs_repo / GKE_TODO).read_text() == golden("promote/gke-todo.kustomization.yaml")


def test_the_file_mode_is_kept(envs_repo):
    target = envs_repo / GKE_TODO
    target.chmod(0o640)
    plan = promote.plan_set(envs_repo, "gke", "todo", Pin("1.2.3"))
    atomic.replace_all([(s, t.encode()) for s, t in plan.files.items()])
    assert target.stat().st_mode & 0o777 == 0o640
    assert "'1.2.3'" in target.read_text()
