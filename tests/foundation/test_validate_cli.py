"""`kustguard validate` end to end on small repositories: real kustomize, real files."""
from __future__ import annotations

import json

CM = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: demo
"""

BAD_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  port: 80
"""


def simple_repo(make_repo, **extra):
    files = {
        "base/app/kustomization.yaml": "resources: [configmap.yaml]\n",
        "base/app/configmap.yaml": CM,
        "overlays/dev/kustomization.yaml": "resources: [../../base/app]\nnamespace: dev\n",
        "overlays/prod/kustomization.yaml": "resources: [../../base/app]\nnamespace: prod\n",
        "base/other/kustomization.yaml": "resources: [configmap.yaml]\n",
        "base/other/configmap.yaml": CM.replace("settings", "other"),
        "overlays/solo/kustomization.yaml": "resources: [../../base/other]\nnamespace: solo\n",
    }
    files.update(extra)
    return make_repo(files)


def test_clean_repo_exits_0_and_counts_objects(make_repo, kustguard):
    root = simple_repo(make_repo)
    proc = kustguard("validate", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "overlays/dev: 1 object (rendered), 1 validated, 0 findings" in proc.stdout
    assert "overlays/prod: 1 object (rendered), 1 validated, 0 findings" in proc.stdout
    assert "3 entry points, 3 rendered (0 from cache), 3 objects, 0 findings" in proc.stdout


def test_second_run_hits_the_cache_and_a_change_rerenders_only_dependents(make_repo, kustguard):
    root = simple_repo(make_repo)
    assert kustguard("validate", cwd=root).returncode == 0
    second = json.loads(kustguard("validate", "--format", "json", cwd=root).stdout)
    assert {o["name"]: o["cached"] for o in second["overlays"]} == {
        "overlays/dev": True, "overlays/prod": True, "overlays/solo": True}
    (root / "base/app/configmap.yaml").write_text(CM.replace("demo", "live"))
    third = json.loads(kustguard("validate", "--format", "json", cwd=root).stdout)
    assert {o["name"]: o["cached"] for o in third["overlays"]} == {
        "overlays/dev": False, "overlays/prod": False, "overlays/solo": True}


def test_invalid_document_exits_1_naming_overlay_object_line_and_field(make_repo, kustguard):
    root = simple_repo(make_repo, **{
        "base/app/kustomization.yaml": "resources: [configmap.yaml, service.yaml]\n",
        "base/app/service.yaml": BAD_SERVICE,
    })
    proc = kustguard("validate", "--format", "json", cwd=root)
    assert proc.returncode == 1, proc.stderr
    findings = [f for f in json.loads(proc.stdout)["findings"] if f["check"] == "schema"]
    assert {(f["overlay"], f["object"]["name"], f["object"]["namespace"], f["file"], f["line"], f["field"])
            for f in findings} == {
        ("overlays/dev", "web", "dev", "base/app/service.yaml", 6, "spec.port"),
        ("overlays/prod", "web", "prod", "base/app/service.yaml", 6, "spec.port"),
    }
    text = kustguard("validate", cwd=root).stdout
    assert "Service/dev/web  base/app/service.yaml:6" in text
    assert "spec.port: Additional properties are not allowed" in text


def test_yaml_syntax_error_exits_2_with_file_and_line(make_repo, kustguard):
    root = simple_repo(make_repo, **{"base/app/configmap.yaml": CM + "  broken: [1, 2\n"})
    proc = kustguard("validate", cwd=root)
    assert proc.returncode == 2
    assert "overlays/dev: base/app/configmap.yaml:7: YAML: while parsing a flow sequence" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_duplicate_key_in_a_kustomization_exits_2_with_line(make_repo, kustguard):
    root = simple_repo(make_repo, **{
        "overlays/dev/kustomization.yaml": "resources: [../../base/app]\nnamespace: dev\nnamespace: x\n"})
    proc = kustguard("validate", cwd=root)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("kustguard: overlays/dev: overlays/dev/kustomization.yaml:3: "
                                   "YAML: duplicate key 'namespace' (fix the YAML syntax)")


def test_non_utf8_exits_2(make_repo, kustguard):
    root = simple_repo(make_repo, **{"overlays/dev/kustomization.yaml":
                                     b"resources: [../../base/app]\nnamespace: d\xe9v\n"})
    proc = kustguard("validate", cwd=root)
    assert proc.returncode == 2
    assert "overlays/dev/kustomization.yaml:2: byte 0xe9 is not valid UTF-8" in proc.stderr


def test_missing_resource_exits_2_naming_the_kustomization(make_repo, kustguard):
    root = simple_repo(make_repo, **{"overlays/dev/kustomization.yaml": "resources: [../../base/nope]\n"})
    proc = kustguard("validate", cwd=root)
    assert proc.returncode == 2
    assert "overlays/dev/kustomization.yaml: '../../base/nope' does not exist" in proc.stderr


def test_cyclic_kustomization_exits_2(make_repo, kustguard):
    root = simple_repo(make_repo, **{
        "base/a/kustomization.yaml": "resources: [../b]\n",
        "base/b/kustomization.yaml": "resources: [../a]\n",
        "overlays/dev/kustomization.yaml": "resources: [../../base/a]\n",
    })
    proc = kustguard("validate", cwd=root, timeout=60)
    assert proc.returncode == 2
    assert "overlays/dev" in proc.stderr and "cycle" in proc.stderr.lower()


def test_not_a_kustomization_folder_is_a_usage_error(make_repo, kustguard):
    root = simple_repo(make_repo)
    proc = kustguard("validate", "base", cwd=root)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "kustguard: base: is not a kustomization folder, but base/app below it is "
        "(give the kustomization folders (e.g. base/app), or set entry-points in the settings "
        "and give no path)")


def test_unknown_option_is_one_line_exit_2(make_repo, kustguard):
    proc = kustguard("validate", "--frobnicate", cwd=simple_repo(make_repo))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1


def test_remote_base_offline_is_reported_not_skipped(make_repo, kustguard):
    root = simple_repo(make_repo, **{
        "argocd/install/kustomization.yaml":
            "resources:\n- http://127.0.0.1:9/argo-cd/v3.2.12/manifests/install.yaml\n"})
    proc = kustguard("validate", "--format", "json", cwd=root, timeout=120)
    overlays = {o["name"]: o for o in json.loads(proc.stdout)["overlays"]}
    assert overlays["argocd/install"]["status"] == "remote-unreachable"
    assert overlays["argocd/install"]["error"] == (
        "remote base unreachable: http://127.0.0.1:9/argo-cd/v3.2.12/manifests/install.yaml "
        "(offline? kustomize could not fetch it)")
    text = kustguard("validate", cwd=root, timeout=120).stdout
    assert "argocd/install: not rendered: remote base unreachable" in text


def test_findings_never_hide_behind_a_reasonless_suppression(make_repo, kustguard):
    root = simple_repo(make_repo, **{
        "base/app/kustomization.yaml": "resources: [configmap.yaml, pod.yaml]\n",
        "base/app/pod.yaml": (
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n"
            "    ignore-check.kustguard.io/image-tag: ''\nspec:\n  containers:\n"
            "  - name: c\n    image: busybox\n"),
    })
    proc = kustguard("validate", "--check", "image-tag", "--format", "json", cwd=root)
    assert proc.returncode == 1
    assert {f["check"] for f in json.loads(proc.stdout)["findings"]} == {"image-tag"}


def test_findings_cache_serves_unchanged_overlays_and_never_hides_a_new_problem(make_repo, kustguard):
    root = simple_repo(make_repo)
    assert kustguard("validate", cwd=root).returncode == 0
    warm = json.loads(kustguard("validate", "--format", "json", cwd=root).stdout)
    assert all(o["findingsCached"] for o in warm["overlays"])
    (root / "base/app/configmap.yaml").write_text(CM + "bogus: 1\n")
    broken = kustguard("validate", "--format", "json", cwd=root)
    assert broken.returncode == 1
    report = json.loads(broken.stdout)
    assert {o["name"]: o["findingsCached"] for o in report["overlays"]} == {
        "overlays/dev": False, "overlays/prod": False, "overlays/solo": True}
    assert {f["overlay"] for f in report["findings"]} == {"overlays/dev", "overlays/prod"}
    again = kustguard("validate", "--format", "json", cwd=root)
    assert again.returncode == 1
    assert json.loads(again.stdout)["findings"] == report["findings"]


def test_inline_strategic_merge_patch_is_not_a_path(make_repo, kustguard):
    root = simple_repo(make_repo, **{"overlays/dev/kustomization.yaml": (
        "resources: [../../base/app]\nnamespace: dev\npatchesStrategicMerge:\n- |-\n"
        "  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: settings}\n  data: {mode: live}\n")})
    proc = kustguard("validate", "overlays/dev", "--check", "schema", cwd=root)
    assert proc.returncode == 0, proc.stderr


def test_yaml_nested_50000_deep_is_one_line_and_exit_2(make_repo, kustguard):
    deep = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  x: " \
        + "[" * 50_000 + "]" * 50_000 + "\n"
    root = simple_repo(make_repo, **{
        "base/app/kustomization.yaml": "resources: [configmap.yaml, deep.yaml]\n",
        "base/app/deep.yaml": deep,
    })
    assert len(deep) > 100_000
    proc = kustguard("validate", "overlays/dev", cwd=root)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "kustguard: overlays/dev: base/app/deep.yaml:6: YAML: nested deeper than 512 levels "
        "(Kubernetes objects nest a few dozen levels; flatten it)"]
    assert "Traceback" not in proc.stdout + proc.stderr
