"""`python -m kustguard.hooks <hook>`: one line per problem, exit codes, no traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hookrepos import clean_env, git

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n"
REPO = {
    "overlays/dev/kustomization.yaml": "namespace: dev\nresources: [../../base/app]\n",
    "base/app/kustomization.yaml": "resources: [settings.yaml, extra.yaml]\n",
    "base/app/settings.yaml": CONFIGMAP,
    "base/app/extra.yaml": CONFIGMAP.replace("settings", "extra"),
    "base/unused/kustomization.yaml": "resources: []\n",
    "docs/notes.md": "notes\n",
}


def hooks(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kustguard.hooks", *args], cwd=root,
                          capture_output=True, text=True, env=clean_env(), timeout=300)


def test_without_a_hook_name_it_says_what_to_do_in_one_line(tmp_path):
    proc = hooks(tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "see 'kustguard hooks --help'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_problems_are_printed_one_per_line_and_exit_1(make_repo):
    root = make_repo({"a.yaml": "a: 1\na: 2\n", "b.yaml": "ok: true\n"})
    proc = hooks(root, "yaml-syntax", "a.yaml", "b.yaml")
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "a.yaml:2: YAML: duplicate key 'a' (fix: fix the YAML syntax)"]


def test_a_clean_file_set_exits_0_silently(make_repo):
    root = make_repo({"base/k/kustomization.yaml": "resources: []\n"})
    proc = hooks(root, "kustomization-lint", "base/k/kustomization.yaml")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_a_change_no_entry_point_loads_validates_nothing(make_repo):
    root = make_repo(REPO)
    proc = hooks(root, "validate-affected", "docs/notes.md", "base/unused/kustomization.yaml")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "validating 0 of 1 entry points affected by 2 staged files\n"


def test_a_finding_in_an_affected_overlay_names_the_source_file(make_repo):
    root = make_repo({**REPO, "base/app/pod.yaml": (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
        "    - name: c\n      image: nginx:latest\n")})
    (root / "base/app/kustomization.yaml").write_text("resources: [settings.yaml, extra.yaml, pod.yaml]\n")
    proc = hooks(root, "validate-affected", "base/app/pod.yaml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "validating 1 of 1 entry points affected by 1 staged file: overlays/dev"
    assert any(line.startswith("base/app/pod.yaml:8: error image-tag [overlays/dev Pod/dev/p]: ")
               for line in lines), proc.stdout


def test_a_staged_deletion_counts_as_a_change(make_repo):
    root = make_repo(REPO)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    (root / "base/app/kustomization.yaml").write_text("resources: [settings.yaml]\n")
    git(root, "rm", "-q", "base/app/extra.yaml")
    # pre-commit passes only files that exist: the hook asks git for deletions.
    proc = hooks(root, "validate-affected")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0] == (
        "validating 1 of 1 entry points affected by 1 staged file: overlays/dev")


def test_the_secret_guard_refuses_a_plaintext_secret(make_repo):
    root = make_repo({"base/app/secret.yaml": (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: hunter2\n")})
    proc = hooks(root, "secret-guard", "base/app/secret.yaml")
    assert proc.returncode == 1
    assert proc.stdout.startswith("base/app/secret.yaml:5: error secret-plaintext [Secret/s]: ")
    assert "hunter2" not in proc.stdout


def test_the_fix_the_lint_names_makes_the_lint_pass(make_repo, kustguard):
    root = make_repo({**REPO, "base/app/kustomization.yaml": (
        "# the app\nresources: [settings.yaml, extra.yaml]\ncommonLabels:\n  team: web  # owner\n")})
    rel = "base/app/kustomization.yaml"
    proc = hooks(root, "kustomization-lint", rel)
    assert proc.returncode == 1 and f"`kustguard fix {rel}` does it for you" in proc.stdout
    fixed = kustguard("fix", rel, cwd=root)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert hooks(root, "kustomization-lint", rel).returncode == 0
    assert "# owner" in (root / rel).read_text()


def test_secret_guard_finds_a_secret_in_any_folder_and_honours_exclude(make_repo):
    secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: pw-value-1\n"
    root = make_repo({"k8s/secret.yaml": secret, "fixtures/secret.yaml": secret})
    proc = hooks(root, "secret-guard", "k8s/secret.yaml", "fixtures/secret.yaml")
    assert proc.returncode == 1
    assert sorted(line.split(": ", 1)[0] for line in proc.stdout.splitlines()) == [
        "fixtures/secret.yaml:5", "k8s/secret.yaml:5"]
    (root / ".kustguard.toml").write_text('fail-on = "info"\n[[exclude]]\npath = "fixtures/*"\n'
                                          'reason = "test fixtures, never applied"\n')
    proc = hooks(root, "secret-guard", "k8s/secret.yaml", "fixtures/secret.yaml")
    assert proc.returncode == 1
    assert [line.split(": ", 1)[0] for line in proc.stdout.splitlines()] == ["k8s/secret.yaml:5"]
    assert "pw-value-1" not in proc.stdout


def test_secret_guard_refuses_an_unknown_check_id_in_the_settings(make_repo):
    root = make_repo({"k8s/cm.yaml": CONFIGMAP})
    (root / ".kustguard.toml").write_text('disable = ["secret-plaintxt"]\n')
    proc = hooks(root, "secret-guard", "k8s/cm.yaml")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert "unknown check id in disable 'secret-plaintxt' (did you mean 'secret-plaintext'?)" in proc.stderr
