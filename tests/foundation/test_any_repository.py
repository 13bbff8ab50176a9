"""kustguard on repositories shaped unlike this one (issue 14): inputs, entry
points, secrets wherever they are, reports, conventions. Every repository is
built here, in a temporary folder; real kustomize renders it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kustguard.toolchain import find_tool

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
"""
SECRET = """\
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData:
  password: hunter2-plain
"""
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: demo}\n"


def k8s_repo(make_repo, settings: str = "", **extra) -> Path:
    """The shape the issue names: k8s/{kustomization.yaml,deployment.yaml,secret.yaml}."""
    root = make_repo({
        "k8s/kustomization.yaml": "resources: [deployment.yaml, secret.yaml]\n",
        "k8s/deployment.yaml": DEPLOYMENT,
        "k8s/secret.yaml": SECRET,
        **extra,
    })
    (root / ".kustguard.toml").write_text('fail-on = "info"\n' + settings)
    return root


def findings(proc) -> list[dict]:
    return json.loads(proc.stdout)["findings"]


def secret_locations(proc) -> set[tuple[str, str]]:
    return {(f["check"], f"{f['file']}:{f['line']}") for f in findings(proc)
            if f["check"].startswith("secret-")}


# ---------------------------------------------------------------- secrets anywhere

def test_a_plaintext_secret_in_k8s_fails_with_a_path(make_repo, kustguard):
    root = k8s_repo(make_repo)
    proc = kustguard("validate", "k8s", "--format", "json", cwd=root)
    assert proc.returncode == 1, proc.stderr
    assert secret_locations(proc) == {("secret-rendered", "k8s/secret.yaml:4"),
                                      ("secret-plaintext", "k8s/secret.yaml:4")}
    assert "hunter2-plain" not in proc.stdout + proc.stderr


def test_a_plaintext_secret_in_k8s_fails_through_the_entry_points_setting(make_repo, kustguard):
    root = k8s_repo(make_repo, 'entry-points = ["k8s"]\n')
    proc = kustguard("validate", "--format", "json", cwd=root)
    assert proc.returncode == 1, proc.stderr
    assert [o["name"] for o in json.loads(proc.stdout)["overlays"]] == ["k8s"]
    assert secret_locations(proc) == {("secret-rendered", "k8s/secret.yaml:4"),
                                      ("secret-plaintext", "k8s/secret.yaml:4")}


def test_no_entry_point_is_exit_2_naming_the_setting(make_repo, kustguard):
    root = k8s_repo(make_repo)
    proc = kustguard("validate", cwd=root)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert "no entry points: no folder with a kustomization matches overlays/*, argocd/*" in proc.stderr
    assert "entry-points" in proc.stderr


def test_a_leak_added_to_a_base_fails_when_one_overlay_is_named(make_repo, kustguard):
    """The issue's k3d case: a Secret added to a base renders into the overlay
    given on the command line; both the render and the source scan catch it."""
    root = make_repo({
        "base/todo/kustomization.yaml": "resources: [cm.yaml, leak.yaml]\n",
        "base/todo/cm.yaml": CM,
        "base/todo/leak.yaml": SECRET,
        "overlays/k3d/kustomization.yaml": "resources: [../../base/todo]\nnamespace: todo\n",
    })
    proc = kustguard("validate", "overlays/k3d", "--format", "json", cwd=root)
    assert proc.returncode == 1
    assert secret_locations(proc) == {("secret-rendered", "base/todo/leak.yaml:4"),
                                      ("secret-plaintext", "base/todo/leak.yaml:4")}


def test_a_secret_generator_with_literals_renders_plaintext(make_repo, kustguard):
    root = make_repo({"app/kustomization.yaml": (
        "secretGenerator:\n  - name: api\n    literals: [TOKEN=tok-123456]\n")})
    proc = kustguard("validate", "app", "--check", "secret-rendered", "--format", "json", cwd=root)
    assert proc.returncode == 1
    assert [(f["object"]["kind"], f["message"]) for f in findings(proc)] == [
        ("Secret", "Secret 'api-897fmfhc6c' holds plaintext values (keys: TOKEN)")]
    assert "tok-123456" not in proc.stdout


# ---------------------------------------------------------------- inputs

def test_component_folder_plain_folder_file_and_typed_lists(make_repo, kustguard):
    typed_list = ("apiVersion: v1\nkind: List\nitems:\n"
                  "  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {k: v}}\n"
                  "  - apiVersion: v1\n    kind: SecretList\n    items:\n"
                  "      - {apiVersion: v1, kind: Secret, metadata: {name: s}, data: {k: aHVudGVy}}\n")
    root = make_repo({
        "comp/kustomization.yaml": ("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                                    "resources: [cm.yaml]\n"),
        "comp/cm.yaml": CM,
        "plain/nested/list.yaml": typed_list,
        "plain/cm.json": json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                                     "metadata": {"name": "j"}, "data": {"k": "v"}}),
        "one/cm.yaml": CM,
        "plain/db.sops.yaml": ("apiVersion: v1\nkind: Secret\nmetadata: {name: enc}\nstringData:\n"
                               "  password: ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CCCC,type:str]\n"
                               "sops: {mac: x, version: 3.11.0}\n"),
    })
    proc = kustguard("validate", "comp", "plain", "one/cm.yaml", "--format", "json",
                     "--check", "secret-rendered", "--check", "schema", cwd=root)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert [(o["name"], o["kind"], o["objects"]) for o in report["overlays"]] == [
        ("comp", "component", 1), ("plain", "folder", 3), ("one/cm.yaml", "file", 1)]
    assert [(f["check"], f["object"]["name"], f["file"]) for f in report["findings"]] == [
        ("secret-rendered", "s", "plain/nested/list.yaml")]
    text = kustguard("validate", "comp", "plain", "one/cm.yaml", "--check", "schema", cwd=root).stdout
    assert "comp [component]: 1 object (cache hit)" in text
    assert "plain [folder]: 3 objects (read)" in text
    assert "one/cm.yaml [file]: 1 object (read)" in text


def test_stdin_gives_the_same_findings_as_the_path_minus_source_lines(make_repo, kustguard):
    root = make_repo({
        "base/app/kustomization.yaml": "resources: [deployment.yaml, leak.yaml]\n",
        "base/app/deployment.yaml": DEPLOYMENT.replace("nginx:1.27", "nginx"),
        "base/app/leak.yaml": SECRET,
        "overlays/dev/kustomization.yaml": "resources: [../../base/app]\nnamespace: dev\n",
    })
    by_path = kustguard("validate", "overlays/dev", "--format", "json", cwd=root)
    kustomize = find_tool("kustomize", root)
    rendered = subprocess.run([kustomize, "build", str(root / "overlays/dev")], capture_output=True,
                              text=True, check=True).stdout
    by_stdin = kustguard("validate", "-", "--format", "json", cwd=root, input=rendered)
    assert by_path.returncode == by_stdin.returncode == 1, by_stdin.stderr

    def comparable(proc, overlay):
        return sorted((f["check"], json.dumps(f["object"]), f["field"], f["message"])
                      for f in findings(proc) if f["overlay"] == overlay)

    assert comparable(by_stdin, "-") == comparable(by_path, "overlays/dev")
    assert len(comparable(by_path, "overlays/dev")) >= 5
    assert {f["file"] for f in findings(by_stdin) if f["overlay"] == "-"} == {""}
    # The repository scans are the same in both runs.
    assert comparable(by_stdin, "") == comparable(by_path, "")


def test_this_repositorys_k3d_render_through_stdin_matches_the_path(repo_root, kustguard, tmp_path):
    kustomize = find_tool("kustomize", repo_root)
    env = {"KUSTGUARD_SOPS_SHAPE_ONLY": "1"}
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])  # kustguard-sops
    rendered = subprocess.run([kustomize, "build", "--enable-alpha-plugins", "--enable-exec",
                               "overlays/k3d"], cwd=repo_root, capture_output=True, text=True,
                              env={**os.environ, **env, "PATH": path}, check=True).stdout
    by_stdin = kustguard("validate", "-", "--format", "json", cwd=repo_root, input=rendered)
    by_path = kustguard("validate", "overlays/k3d", "--format", "json", cwd=repo_root)
    assert by_stdin.returncode == by_path.returncode == 0, by_stdin.stdout[-2000:] + by_stdin.stderr
    assert json.loads(by_stdin.stdout)["overlays"][0]["objects"] == \
        json.loads(by_path.stdout)["overlays"][0]["objects"]


@pytest.mark.parametrize("args,message", [
    (["nope"], "kustguard: nope: no such file or folder"),
    (["README.md"], "kustguard: README.md: is not a YAML or JSON file"),
    (["empty"], "kustguard: empty: holds no kustomization and no YAML or JSON files"),
    (["-", "-"], "kustguard: - (stdin) is given twice"),
])
def test_bad_paths_are_one_line_exit_2(make_repo, kustguard, args, message):
    root = k8s_repo(make_repo, **{"README.md": "# x\n", "empty/notes.txt": "x\n"})
    proc = kustguard("validate", *args, cwd=root, input="")
    assert proc.returncode == 2
    assert proc.stderr.startswith(message) and proc.stderr.count("\n") == 1, proc.stderr


# ---------------------------------------------------------------- conventions

BAD_INPUTS = [
    (["--check", "image-tagz"], "unknown check id 'image-tagz' (did you mean 'image-tag'?)", ""),
    (["--fail-on", "warn"], "unknown --fail-on severity 'warn' (did you mean 'warning'?)", ""),
    (["--format", "jsn"], "unknown format 'jsn' (did you mean 'json'?)", ""),
    (["--schema-backend", "kubeconfrom"], "unknown --schema-backend 'kubeconfrom' "
                                          "(did you mean 'kubeconform'?)", ""),
    (["--frobnicate"], "unrecognized arguments: --frobnicate", ""),
    (["--kubernetes-version", "v1.3x"], "--kubernetes-version 'v1.3x' is not a version", ""),
    ([], "unknown key 'entry-point' (did you mean 'entry-points'?)", 'entry-point = ["k8s"]\n'),
    ([], "unknown check id in disable 'probes-identicall' (did you mean 'probes-identical'?)",
     'entry-points = ["k8s"]\ndisable = ["probes-identicall"]\n'),
    ([], "unknown severity for image-tag 'eror' (did you mean 'error'?)",
     'entry-points = ["k8s"]\n[severity]\nimage-tag = "eror"\n'),
    ([], "unknown check id in severity 'imagetag' (did you mean 'image-tag'?)",
     'entry-points = ["k8s"]\n[severity]\nimagetag = "error"\n'),
    ([], "unknown schema-backend 'pyhton' (did you mean 'python'?)",
     'entry-points = ["k8s"]\nschema-backend = "pyhton"\n'),
    ([], "exclude entry 'tests/**' gives no reason",
     'entry-points = ["k8s"]\n[[exclude]]\npath = "tests/**"\n'),
]


@pytest.mark.parametrize("args,message,settings", BAD_INPUTS, ids=[m[:30] for _, m, _ in BAD_INPUTS])
@pytest.mark.parametrize("output", ["text", "json"])
def test_every_bad_flag_key_or_id_exits_2_with_one_line(make_repo, kustguard, args, message,
                                                         settings, output):
    root = k8s_repo(make_repo, settings)
    fmt = ["--format", "json"] if output == "json" and "--format" not in args else []
    paths = [] if settings else ["k8s"]     # with settings, the entry-points setting
    proc = kustguard("validate", *paths, *args, *fmt, cwd=root)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr
    if fmt:
        doc = json.loads(proc.stdout)      # always valid JSON, input errors included
        assert message in doc["error"] and doc["findings"] == []


def test_unknown_check_id_in_checks_command(kustguard, tmp_path):
    proc = kustguard("checks", "secret-plaintxt", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == ("kustguard: unknown check id 'secret-plaintxt' (did you mean "
                           "'secret-plaintext'?) (`kustguard checks` lists the ids)\n")


def test_checks_id_prints_the_doc_with_both_examples(kustguard, tmp_path):
    proc = kustguard("checks", "secret-rendered", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.startswith("secret-rendered: No rendered Secret holds a value")
    assert "\nPassing:\n" in proc.stdout and "\nFailing:\n" in proc.stdout
    assert "/docs/checks.md#secret-rendered" in proc.stdout


def test_help_shows_examples_and_exit_codes(kustguard, tmp_path):
    for args in (["--help"], ["validate", "--help"]):
        out = kustguard(*args, cwd=tmp_path).stdout
        assert "examples:" in out and "exit codes:" in out and "kustguard validate -" in out
    assert "The `kustguard` command" not in kustguard("--help", cwd=tmp_path).stdout


def test_skipped_checks_are_reported_as_skipped_in_every_format(make_repo, kustguard, tmp_path):
    root = k8s_repo(make_repo, 'disable = ["image-tag"]\n')
    args = ("validate", "k8s", "--check", "schema", "--check", "image-tag")
    report = json.loads(kustguard(*args, "--format", "json", cwd=root).stdout)
    status = {c["id"]: (c["status"], c.get("reason")) for c in report["checks"]}
    assert status["schema"] == ("ran", None)
    assert status["image-tag"] == ("skipped", "disabled in the settings")
    assert status["secret-plaintext"] == ("skipped", "not selected with --check")
    junit = ET.fromstring(kustguard(*args, "--format", "junit", cwd=root).stdout)
    cases = {(c.get("classname"), c.get("name")): c for c in junit.iter("testcase")}
    assert cases[("kustguard.k8s", "image-tag")].find("skipped").get("message") == "disabled in the settings"
    assert cases[("kustguard.repository", "secret-plaintext")].find("skipped") is not None
    assert cases[("kustguard.k8s", "schema")].find("skipped") is None
    sarif = json.loads(kustguard(*args, "--format", "sarif", cwd=root).stdout)
    notes = sarif["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
    assert {"descriptor": {"id": "image-tag"}, "level": "note",
            "message": {"text": "check image-tag did not run: disabled in the settings"}} in notes
    text = kustguard(*args, cwd=root).stdout
    assert "skipped 1 check (disabled in the settings): image-tag" in text


def test_every_finding_links_its_docs(make_repo, kustguard):
    root = k8s_repo(make_repo)
    proc = kustguard("validate", "k8s", "--format", "json", cwd=root)
    for f in findings(proc):
        assert f["docs"].endswith(f"/docs/checks.md#{f['check']}") and "/blob/v" in f["docs"]
    sarif = json.loads(kustguard("validate", "k8s", "--format", "sarif", cwd=root).stdout)
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["secret-rendered"]["helpUri"].endswith("/docs/checks.md#secret-rendered")
    text = kustguard("validate", "k8s", cwd=root).stdout
    assert "docs: " in text and "/docs/checks.md#secret-plaintext" in text


def test_output_file_kubernetes_version_config_and_exclude(make_repo, kustguard, tmp_path):
    hpa = ("apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n"
           "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
           "  minReplicas: 1\n  maxReplicas: 2\n")
    root = k8s_repo(make_repo, **{"hpa/hpa.yaml": hpa, "fixtures/secret.yaml": SECRET})
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    proc = kustguard("validate", "hpa", "--check", "removed-api", "--format", "json",
                     "-o", str(report), cwd=root)
    assert proc.returncode == 1 and proc.stdout == ""
    assert [f["check"] for f in json.loads(report.read_text())["findings"]] == ["removed-api"]
    old = kustguard("validate", "hpa", "--check", "removed-api", "--kubernetes-version", "1.25", cwd=root)
    assert old.returncode == 0, old.stdout
    # --config: settings from another file; --exclude: files left out of the scans.
    other = tmp_path / "ci.toml"
    other.write_text('entry-points = ["k8s"]\n[[exclude]]\npath = "fixtures/*"\n'
                     'reason = "test fixtures, never applied"\n')
    proc = kustguard("validate", "--config", str(other), "--check", "secret-plaintext",
                     "--format", "json", cwd=root)
    assert {f["file"] for f in findings(proc)} == {"k8s/secret.yaml"}
    proc = kustguard("validate", "--config", str(other), "--check", "secret-plaintext",
                     "--exclude", "k8s/secret.yaml", "--format", "json", cwd=root)
    assert proc.returncode == 0 and findings(proc) == []


def test_ignore_missing_schemas(make_repo, kustguard):
    crd_object = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 1}\n"
    root = k8s_repo(make_repo, **{"crs/widget.yaml": crd_object})
    strict = kustguard("validate", "crs", "--check", "schema", "--format", "json", cwd=root)
    assert [f["message"] for f in findings(strict)] == ["no schema for Widget in example.com/v1"]
    relaxed = kustguard("validate", "crs", "--check", "schema", "--ignore-missing-schemas", cwd=root)
    assert relaxed.returncode == 0, relaxed.stdout


def test_nothing_is_written_into_the_repository(make_repo, kustguard):
    root = k8s_repo(make_repo, 'entry-points = ["k8s"]\n')
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    before = sorted(p.relative_to(root) for p in root.rglob("*") if ".git" not in p.parts)
    kustguard("validate", cwd=root)
    after = sorted(p.relative_to(root) for p in root.rglob("*") if ".git" not in p.parts)
    assert after == before


def test_a_progress_line_shows_while_checks_run(repo_root, tmp_path):
    """On a terminal, after a second: rendering, then checking (this repository
    with --no-cache takes several seconds)."""
    import pty

    main, child = pty.openpty()
    exe = Path(sys.executable).parent / "kustguard"
    subprocess.run([str(exe), "validate", "--no-cache"], cwd=repo_root, stdout=subprocess.DEVNULL,
                   stderr=child, env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)}, timeout=300)
    os.close(child)
    out = b""
    try:
        while chunk := os.read(main, 65536):
            out += chunk
    except OSError:
        pass
    text = out.decode()
    import re

    assert re.search(r"rendering: \d+/\d+ entry points", text), text
    assert re.search(r"checking: \d+/\d+ entry points", text.rsplit("rendering: ", 1)[-1]), text
    assert text.rstrip("\n").endswith("\r\x1b[K")     # the line is cleared at the end
