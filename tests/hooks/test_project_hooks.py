"""This repository's own hooks (.pre-commit-config.yaml), in a real git copy
of the project, through real pre-commit and real `git commit`."""
from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path

import pytest
import pyrage

from hookrepos import PRE_COMMIT, Repo, run

HOOK_IDS = ("yaml-syntax", "yamllint", "secret-guard", "kustomization-lint", "validate-affected")
SUMMARY = re.compile(r"^validating (\d+) of (\d+) entry points affected by (\d+) staged files?(?:: (.*))?$",
                     re.M)


def entry_points(root: Path) -> list[str]:
    """overlays/* and argocd/* folders with a kustomization, listed independently of kustguard."""
    return sorted(f"{p.parent.parent.name}/{p.parent.name}"
                  for top in ("overlays", "argocd") for p in (root / top).glob("*/kustomization.yaml"))


def reported_set(output: str) -> tuple[set[str], int]:
    match = SUMMARY.search(output)
    assert match, f"no 'validating N of M' line in:\n{output}"
    names = set(match.group(4).split(", ")) if match.group(4) else set()
    assert len(names) == int(match.group(1))
    return names, int(match.group(2))


def assert_refused(repo: Repo, proc: subprocess.CompletedProcess, before: str, *expected: str) -> None:
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"the commit went through:\n{output}"
    assert repo.head() == before
    assert "Traceback" not in output
    for text in expected:
        assert text in output, f"{text!r} not in:\n{output}"


def test_all_files_pass(project: Repo):
    proc = project.pre_commit("run", "--all-files", "--verbose")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    for hook_id in HOOK_IDS:
        assert re.search(rf"^- hook id: {hook_id}$", output, re.M), f"{hook_id} did not run:\n{output}"
    assert "Failed" not in output
    names, total = reported_set(output)
    assert total == len(entry_points(project.root))
    assert names == set(entry_points(project.root))


def _plaintext_secret(repo: Repo) -> tuple[str, list[str]]:
    repo.write("base/mysql/debug-credentials.yaml",
               "apiVersion: v1\nkind: Secret\nmetadata:\n  name: debug\nstringData:\n  password: hunter2\n")
    return "base/mysql/debug-credentials.yaml", ["base/mysql/debug-credentials.yaml:5",
                                                 "committed in plaintext"]


def _age_private_key(repo: Repo) -> tuple[str, list[str]]:
    identity = pyrage.x25519.Identity.generate()
    repo.write("keys/ops.agekey", f"# ops key\n{identity}\n")
    return "keys/ops.agekey", ["keys/ops.agekey:2", "contains an age private key"]


def _sops_value_decrypted(repo: Repo) -> tuple[str, list[str]]:
    rel = "base/mysql/mysql-credentials.sops.yaml"
    text = (repo.root / rel).read_text()
    line = next(n for n, l in enumerate(text.splitlines(), 1) if l.strip().startswith("database: ENC["))
    repo.write(rel, re.sub(r"(?m)^(\s+database: )ENC\[[^\]]*\]$", r"\1todo", text))
    return rel, [f"{rel}:{line}", "'stringData.database' is not encrypted"]


def _probe_on_missing_port(repo: Repo) -> tuple[str, list[str]]:
    rel = "base/mysql/deployment.yaml"
    repo.edit(rel, "livenessProbe:\n            tcpSocket:\n              port: mysql",
              "livenessProbe:\n            tcpSocket:\n              port: 3307")
    return rel, [f"{rel}:", "probe-port", "3307"]


def _invalid_yaml(repo: Repo) -> tuple[str, list[str]]:
    rel = "base/mysql/service.yaml"
    repo.edit(rel, "  selector:\n", "  selector: [mysql\n")
    return rel, [f"{rel}:", "YAML:"]


def _common_labels(repo: Repo) -> tuple[str, list[str]]:
    rel = "base/registry/kustomization.yaml"
    text = (repo.root / rel).read_text()
    repo.write(rel, text + "commonLabels:\n  team: platform\n")
    line = text.count("\n") + 1
    return rel, [f"{rel}:{line}: commonLabels is deprecated",
                 "labels: [{pairs: {team: platform}, includeSelectors: true}]"]


@pytest.mark.parametrize("make_change", [
    _plaintext_secret, _age_private_key, _sops_value_decrypted, _probe_on_missing_port,
    _invalid_yaml, _common_labels,
], ids=lambda f: f.__name__.strip("_"))
def test_a_bad_change_is_refused_with_the_file_and_the_problem(project: Repo, make_change):
    before = project.head()
    rel, expected = make_change(project)
    proc = project.commit(rel, message=f"bad: {make_change.__name__}")
    assert_refused(project, proc, before, *expected)


def test_a_good_change_is_committed(project: Repo):
    before = project.head()
    project.edit("base/mysql/service.yaml", "  labels:\n    app: mysql\n",
                 "  labels:\n    app: mysql\n    tier: database\n")
    proc = project.commit("base/mysql/service.yaml", message="label the MySQL service")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert project.head() != before


def rendered_with_marker(root: Path, entry: str, marker: str) -> bool | None:
    """Whether kustomize's own output for an entry point holds the marker
    (None: it does not render here, e.g. a remote base offline)."""
    env = {"PATH": f"{root / '.venv/bin'}:{root / '.tools/bin'}:/usr/bin:/bin",
           "KUSTGUARD_SOPS_SHAPE_ONLY": "1", "HOME": str(root)}
    proc = run([str(root / ".tools/bin/kustomize"), "build", "--enable-alpha-plugins", "--enable-exec",
                entry], root, env=env)
    return marker in proc.stdout if proc.returncode == 0 else None


def test_a_change_to_one_base_validates_exactly_the_entry_points_that_include_it(project: Repo):
    marker = f"marker-{uuid.uuid4().hex[:12]}"
    project.edit("base/mysql/service.yaml", "  labels:\n    app: mysql\n",
                 f"  labels:\n    app: mysql\n    hooks-test: {marker}\n")
    project.git("add", "base/mysql/service.yaml")
    proc = project.pre_commit("run", "validate-affected", "--verbose")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    names, total = reported_set(output)
    assert "affected by 1 staged file:" in output
    # The oracle: kustomize itself, entry point by entry point.
    renders = {entry: rendered_with_marker(project.root, entry, marker)
               for entry in entry_points(project.root)}
    including = {entry for entry, has in renders.items() if has}
    assert total == len(renders)
    assert including, "the edited base is in no entry point: pick another base for this test"
    assert names - {e for e, has in renders.items() if has is None} == including
    assert len(including) < total, "every entry point includes the base: the test proves nothing"


def test_hooks_need_no_network(project: Repo):
    """The whole run in a network namespace with no interface but loopback."""
    proc = run(["unshare", "--net", "--map-root-user", *PRE_COMMIT, "run", "--all-files"],
               project.root, env=project.env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
