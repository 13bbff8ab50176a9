"""A commit cannot make a build run its own code (issue: the plugin sidecar
printed the age key).

Each attack is a kustomization whose plugin config, if kustomize ran it,
would create a marker file. The validator, `kustguard guard` and the Argo CD
plugin's generate command must refuse it at its file and line, and the
marker must never appear: the code did not run.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from kustguard import buildguard
from kustguard.toolchain import find_tool

REPO = Path(__file__).resolve().parents[2]

DEPLOYMENT = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: plain
data:
  a: b
"""


def _generator(function: str, *, kind: str = "Leak", api: str = "example.com/v1") -> str:
    body = "\n".join("      " + line for line in function.strip().splitlines())
    return (f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: leak\n  annotations:\n"
            f"    config.kubernetes.io/function: |\n{body}\n")


def _kustomization(*, generators: list[str] | None = None, extra: str = "") -> str:
    text = "resources:\n- cm.yaml\n"
    if generators:
        text += "generators:\n" + "".join(f"- {g}\n" for g in generators)
    return text + extra


def _attacks(marker: Path) -> dict[str, dict[str, str]]:
    """name -> files of an overlay that would touch `marker` if built."""
    shell = f"touch {marker}; echo 'apiVersion: v1\nkind: List\nitems: []'"
    return {
        "exec-shell": {
            "gen.yaml": _generator(f"exec:\n  path: /bin/sh\n  args: [-c, \"{shell}\"]"),
        },
        "committed-script-0644": {
            "leak.sh": f"#!/bin/sh\n{shell}\n",
            "gen.yaml": _generator("exec:\n  path: /bin/sh\n  args: [leak.sh]"),
        },
        "key-command-in-envs": {
            "gen.yaml": _generator(
                f"exec:\n  path: kustguard-sops\n  envs: [\"SOPS_AGE_KEY_CMD=touch {marker}\"]",
                api="kustguard.io/v1", kind="SopsSecretGenerator") + "files: []\n",
        },
        "outside-root-in-envs": {
            "gen.yaml": _generator(
                "exec:\n  path: kustguard-sops\n  envs: [KUSTGUARD_SOPS_ALLOW_OUTSIDE_ROOT=1]",
                api="kustguard.io/v1", kind="SopsSecretGenerator") + "files: []\n",
        },
        "old-annotation-key": {
            "gen.yaml": _generator(f"exec:\n  path: /bin/sh\n  args: [-c, \"{shell}\"]").replace(
                "config.kubernetes.io/function", "config.k8s.io/function"),
        },
        "args-to-pinned-plugin": {
            "gen.yaml": _generator("exec:\n  path: kustguard-sops\n  args: [other.yaml]",
                                   api="kustguard.io/v1", kind="SopsSecretGenerator"),
        },
        "container-function": {
            "gen.yaml": _generator("container:\n  image: example.com/leak:1\n  network: true"),
        },
    }


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "ran"


def _overlay(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    folder = tmp_path / "repo" / "overlays" / name
    _write(folder, {"cm.yaml": DEPLOYMENT,
                    "kustomization.yaml": _kustomization(generators=["gen.yaml"]), **files})
    (tmp_path / "repo" / ".kustguard.toml").write_text('fail-on = "info"\n')
    return folder


@pytest.mark.parametrize("attack", sorted(_attacks(Path("/x"))))
def test_validate_refuses_and_runs_nothing(attack, tmp_path, marker, kustguard):
    overlay = _overlay(tmp_path, attack, _attacks(marker)[attack])
    done = kustguard("validate", f"overlays/{attack}", "--no-cache", cwd=overlay.parents[1])
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"overlays/{attack}/gen.yaml:" in done.stderr
    assert "refused" in done.stderr
    assert not marker.exists(), "the refused plugin ran"


def test_attack_would_run_without_the_guard(tmp_path, marker):
    """The same tree, built by plain kustomize, does run the script: the
    attack is real, so the refusal above is what stops it."""
    overlay = _overlay(tmp_path, "exec-shell", _attacks(marker)["exec-shell"])
    kustomize = find_tool("kustomize", REPO)
    assert kustomize
    subprocess.run([kustomize, "build", "--enable-alpha-plugins", "--enable-exec", str(overlay)],
                   capture_output=True, timeout=120, check=False)
    assert marker.exists()


def _cmp_generate_script() -> str:
    plugin = yaml.safe_load((REPO / "argocd/cmp/plugin.yaml").read_text())
    generate = plugin["spec"]["generate"]
    assert generate["command"] == ["bash", "-c"]
    return generate["args"][0]


def _run_cmp(folder: Path, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """The Argo CD plugin's generate command, as the sidecar runs it: in the
    application's folder, with kustomize and kustguard on PATH."""
    kustomize = find_tool("kustomize", REPO)
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(kustomize).parent),
                                                  os.path.dirname(os.sys.executable),
                                                  os.environ["PATH"]]),
           "ARGOCD_APP_NAME": "k3d-leak", "ARGOCD_APP_SOURCE_PATH": "overlays/leak",
           **(extra_env or {})}
    env.pop("KUSTGUARD_SOPS_SHAPE_ONLY", None)
    return subprocess.run(["bash", "-c", _cmp_generate_script()], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("attack", ["exec-shell", "committed-script-0644", "key-command-in-envs"])
def test_cmp_generate_refuses_before_kustomize(attack, tmp_path, marker):
    overlay = _overlay(tmp_path, attack, _attacks(marker)[attack])
    done = _run_cmp(overlay)
    assert done.returncode != 0
    assert done.stdout == "", "the plugin must print no manifest when it refuses"
    assert "refused" in done.stderr and "gen.yaml" in done.stderr
    assert not marker.exists()


def test_cmp_generate_builds_the_pinned_plugin(tmp_path):
    """The guard lets the repository's own SOPS generators through: with the
    demo key the sidecar's command renders the decrypted Secret."""
    done = _run_cmp(REPO / "overlays/k3d/mysql", {"SOPS_AGE_KEY_FILE": str(REPO / "keys/demo.agekey")})
    assert done.returncode == 0, done.stderr
    kinds = {(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(done.stdout) if d}
    assert ("Secret", "mysql-credentials") in kinds


def test_allowed_shapes(tmp_path):
    """Builtins, the pinned plugin with no settings, KSOPS configs and remote
    plain files pass; remote kustomizations, legacy plugins of other kinds,
    inline configs, transformers and validators are read too."""
    root = _write(tmp_path / "ok", {
        "cm.yaml": DEPLOYMENT,
        "sops.yaml": _generator("exec:\n  path: kustguard-sops", api="kustguard.io/v1",
                                kind="SopsSecretGenerator") + "files: []\n",
        "ksops.yaml": "apiVersion: viaduct.ai/v1\nkind: ksops\nmetadata:\n  name: k\nfiles: []\n",
        "builtin.yaml": ("apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: l\n"
                         "labels:\n  a: b\nfieldSpecs: []\n"),
        "kustomization.yaml": ("resources:\n- cm.yaml\n- https://example.com/v1/install.yaml\n"
                               "generators:\n- sops.yaml\n- ksops.yaml\n"
                               "transformers:\n- builtin.yaml\n"),
    })
    assert buildguard.inspect(root) == []


def test_refusals_anywhere_in_the_tree(tmp_path):
    bad = _generator("exec:\n  path: /bin/true")
    root = _write(tmp_path / "tree", {
        "base/kustomization.yaml": "resources:\n- cm.yaml\ntransformers:\n- t.yaml\n",
        "base/cm.yaml": DEPLOYMENT,
        "base/t.yaml": bad,
        "comp/kustomization.yaml": ("apiVersion: kustomize.config.k8s.io/v1alpha1\n"
                                    "kind: Component\nvalidators:\n- v.yaml\n"),
        "comp/v.yaml": bad,
        "gens/kustomization.yaml": "resources:\n- g.yaml\n",
        "gens/g.yaml": "apiVersion: example.com/v1\nkind: Legacy\nmetadata:\n  name: g\n",
        "top/kustomization.yaml": (
            "resources:\n- ../base\n- https://github.com/org/repo//deploy?ref=v1\n"
            "components:\n- ../comp\ngenerators:\n- ../gens\n- |\n"
            "  apiVersion: example.com/v1\n  kind: Inline\n  metadata:\n    name: i\n"
            "    annotations:\n      config.kubernetes.io/function: |\n"
            "        exec:\n          path: /bin/true\n"),
    })
    refused = buildguard.inspect(root / "top")
    where = sorted((r.path.relative_to(root).as_posix(), r.message.split(":")[0])
                   for r in refused)
    assert [w for w, _ in where] == ["base/t.yaml", "comp/v.yaml", "gens/g.yaml",
                                    "top/kustomization.yaml", "top/kustomization.yaml"]
    lines = {r.path.name: r.line for r in refused}
    assert lines["t.yaml"] == 6  # the function annotation's line
    messages = " ".join(r.message for r in refused)
    assert "remote kustomization" in messages and "inline generators" in messages
    assert "legacy plugin example.com/v1/Legacy" in messages


def test_malformed_configs_are_refusals_not_crashes(tmp_path):
    shapes = ["[]", "'x'", "apiVersion: a/v1\nkind: K\nmetadata: []\n",
              "apiVersion: a/v1\nkind: K\nmetadata:\n  annotations: [1]\n",
              "apiVersion: a/v1\nkind: K\nmetadata:\n  annotations:\n"
              "    config.kubernetes.io/function: '{exec: [1]}'\n",
              "apiVersion: a/v1\nkind: K\nmetadata:\n  annotations:\n"
              "    config.kubernetes.io/function: ': : bad'\n",
              "apiVersion: a/v1\nkind: K\nmetadata:\n  configFn: {exec: {path: /bin/sh}}\n"]
    for number, text in enumerate(shapes):
        root = _write(tmp_path / f"m{number}", {
            "kustomization.yaml": "generators:\n- g.yaml\n", "g.yaml": text})
        refused = buildguard.inspect(root)
        assert len(refused) == 1, text
        assert refused[0].line >= 1


def test_guard_command(tmp_path, marker, kustguard):
    overlay = _overlay(tmp_path, "exec-shell", _attacks(marker)["exec-shell"])
    done = kustguard("guard", str(overlay), cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "gen.yaml:6:" in done.stderr
    clean = kustguard("guard", "overlays/k3d", "argocd/applications", cwd=REPO)
    assert clean.returncode == 0, clean.stderr
