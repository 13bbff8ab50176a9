"""argocd/: the install patches, the plugin, projects and applications."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml
from argocd_spec import shared_dir

ROOT = Path(__file__).resolve().parents[2]
ARGOCD = ROOT / "argocd"
PLACEHOLDER = "https://github.com/your-org/your-fork.git"
ENVIRONMENTS = sorted(p.name for p in (ROOT / "overlays").iterdir()
                      if (p / "kustomization.yaml").is_file())


def kustomize() -> str:
    local = ROOT / ".tools" / "bin" / "kustomize"
    found = str(local) if local.exists() else shutil.which("kustomize")
    assert found, "kustomize is missing: run `make setup` (it installs the pinned kustomize)"
    return found


def build(path: Path) -> list[dict]:
    result = subprocess.run([kustomize(), "build", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


@cache
def crd_schemas() -> dict[str, dict]:
    folder = shared_dir() / "argocd" / "v3.2.12" / "crds"
    assert folder.is_dir(), f"Argo CD CRDs are missing: expected {folder}"
    out = {}
    for path in folder.glob("*.yaml"):
        crd = yaml.safe_load(path.read_text())
        version = next(v for v in crd["spec"]["versions"] if v.get("storage"))
        out[crd["spec"]["names"]["kind"]] = version["schema"]["openAPIV3Schema"]
    return out


@cache
def rendered(folder: str) -> tuple:
    return tuple(build(ARGOCD / folder))


def apps() -> list[dict]:
    return [d for d in rendered("applications") if d["kind"] == "Application"]


def projects() -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in rendered("projects")}


# -- install ---------------------------------------------------------------------

def test_install_pins_argocd_by_release_tag():
    kustomization = yaml.safe_load((ARGOCD / "install" / "kustomization.yaml").read_text())
    remote = [r for r in kustomization["resources"] if "://" in r]
    assert remote == ["https://raw.githubusercontent.com/argoproj/argo-cd/v3.2.12/"
                      "manifests/install.yaml"]


@pytest.fixture(scope="module")
def install() -> list[dict]:
    """argocd/install as the project renders it offline: upstream's install.yaml
    from the pinned Go module (tests/argocd/test_argocd_install.py)."""
    from kustguard.pipeline import render_objects
    return render_objects(ARGOCD / "install")


def _find(objs, kind, prefix):
    return next(o for o in objs if o["kind"] == kind and o["metadata"]["name"].startswith(prefix))


def test_sidecar_patch(install):
    deploy = _find(install, "Deployment", "argocd-repo-server")
    assert deploy["metadata"]["namespace"] == "argocd"
    pod = deploy["spec"]["template"]["spec"]
    sidecar = next(c for c in pod["containers"] if c["name"] == "kustguard-cmp")
    assert sidecar["command"] == ["/var/run/argocd/argocd-cmp-server"]
    assert sidecar["image"].startswith("127.0.0.1:30500/kustguard-cmp:")
    assert sidecar["securityContext"]["runAsUser"] == 999
    assert sidecar["securityContext"]["runAsNonRoot"] is True
    mounts = {m["mountPath"]: m for m in sidecar["volumeMounts"]}
    plugin = mounts["/home/argocd/cmp-server/config/plugin.yaml"]
    assert plugin["subPath"] == "plugin.yaml"
    volumes = {v["name"]: v for v in pod["volumes"]}
    config_map = _find(install, "ConfigMap", "kustguard-cmp-plugin")
    assert volumes[plugin["name"]]["configMap"]["name"] == config_map["metadata"]["name"]
    assert volumes[mounts["/tmp"]["name"]] == {"name": mounts["/tmp"]["name"], "emptyDir": {}}
    assert {"/var/run/argocd", "/home/argocd/cmp-server/plugins"} <= set(mounts)
    env = {e["name"]: e["value"] for e in sidecar["env"]}
    key_mount = mounts["/home/argocd/age"]
    assert key_mount["readOnly"] is True
    assert env["SOPS_AGE_KEY_FILE"] == "/home/argocd/age/keys.txt"
    assert volumes[key_mount["name"]]["secret"]["secretName"] == "kustguard-age-key"


def test_argocd_settings(install):
    cm = _find(install, "ConfigMap", "argocd-cm")
    assert "status.health.status" in cm["data"]["resource.customizations.health.argoproj.io_Application"]
    params = _find(install, "ConfigMap", "argocd-cmd-params-cm")
    assert params["data"]["reposerver.plugin.tar.exclusions"] == ".git/*"


def _plugin() -> dict:
    return yaml.safe_load((ARGOCD / "cmp" / "plugin.yaml").read_text())


def test_plugin_renders_with_alpha_plugins_and_exec():
    plugin = _plugin()
    assert plugin["kind"] == "ConfigManagementPlugin" and plugin["metadata"]["name"] == "kustguard"
    script = plugin["spec"]["generate"]["args"][0]
    assert "kustomize build --enable-alpha-plugins --enable-exec ." in script
    assert "pipefail" in script


@pytest.mark.parametrize("fake_kustomize, code, out", [
    ("printf 'kind: ConfigMap\\n'", 0, "kind: ConfigMap"),
    ("exit 0", 1, ""),
    ("printf '  \\n'", 1, ""),
    ("printf 'kind: ConfigMap\\n'; exit 3", 3, ""),
], ids=["renders", "empty", "blank", "fails-after-output"])
def test_plugin_never_hands_argocd_an_empty_render(tmp_path, fake_kustomize, code, out):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "kustomize"
    tool.write_text(f"#!/usr/bin/env bash\n{fake_kustomize}\n")
    tool.chmod(0o755)
    (tmp_path / "kustomization.yaml").write_text("resources: []\n")  # the guard passes it
    spec = _plugin()["spec"]["generate"]
    venv_bin = os.path.dirname(sys.executable)
    result = subprocess.run(spec["command"] + spec["args"], capture_output=True, text=True,
                            cwd=tmp_path, env={**os.environ,
                                               "PATH": f"{bin_dir}:{venv_bin}:{os.environ['PATH']}"})
    assert result.returncode == code, result.stderr
    assert result.stdout.strip() == out
    if code == 1:
        assert "refusing an empty manifest list" in result.stderr


def test_dockerfile_pins_the_repository_kustomize():
    versions = dict(line.split("=", 1) for line in (ROOT / "tools" / "versions.env")
                    .read_text().splitlines() if "=" in line and not line.startswith("#"))
    dockerfile = (ROOT / "docker" / "cmp-sidecar" / "Dockerfile").read_text()
    assert f"ARG KUSTOMIZE_VERSION={versions['KUSTOMIZE_VERSION']}" in dockerfile
    assert "USER 999:999" in dockerfile


# -- schemas -------------------------------------------------------------------

@pytest.mark.parametrize("folder", ["projects", "applications"])
def test_objects_match_the_argocd_crds(folder):
    schemas = crd_schemas()
    for obj in rendered(folder):
        jsonschema.Draft7Validator(schemas[obj["kind"]]).validate(obj)


def test_crd_schema_check_can_fail():
    app = dict(apps()[0])
    app["spec"] = {**app["spec"], "syncPolicy": {"automated": {"prune": "yes"}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(crd_schemas()["Application"]).validate(app)


# -- projects and applications --------------------------------------------------

def test_every_environment_has_a_project_without_wildcards():
    projs = projects()
    admin = {name for name in projs if name.endswith("-admin")}
    assert set(ENVIRONMENTS) | {"bootstrap"} == set(projs) - admin
    assert {name.removesuffix("-admin") for name in admin} <= set(ENVIRONMENTS)
    for name, proj in projs.items():
        # (a sync window's cron schedule is not a fence)
        text = yaml.safe_dump({k: v for k, v in proj["spec"].items() if k != "syncWindows"})
        assert "*" not in text, f"project {name} uses a wildcard"
        assert proj["spec"]["sourceRepos"] == [PLACEHOLDER]


def _managed_namespaces(env: str) -> set[str]:
    objs = build(ROOT / "overlays" / env / "namespaces")
    return {o["metadata"]["name"] for o in objs if o["kind"] == "Namespace"}


def test_every_component_folder_has_exactly_one_application():
    by_path = {}
    for app in apps():
        path = app["spec"]["source"]["path"]
        assert path not in by_path, f"two apps deploy {path}"
        by_path[path] = app
    folders = {f"overlays/{env}/{p.name}" for env in ENVIRONMENTS
               for p in (ROOT / "overlays" / env).iterdir() if (p / "kustomization.yaml").is_file()}
    children = {p for p in by_path if p.startswith("overlays/")}
    assert folders == children, (
        "overlays and argocd/applications disagree; add or remove the Application file in "
        f"argocd/applications/<env>/: missing {sorted(folders - children)}, "
        f"stale {sorted(children - folders)}")


def test_applications_respect_their_projects():
    projs = projects()
    for app in apps():
        name, spec = app["metadata"]["name"], app["spec"]
        proj = projs[spec["project"]]["spec"]
        assert spec["source"]["repoURL"] in proj["sourceRepos"], name
        dest = spec["destination"]
        assert {"server": dest["server"], "namespace": dest["namespace"]} in proj["destinations"], name
        if spec["source"]["path"].startswith("overlays/"):
            assert spec["source"]["plugin"] == {"name": "kustguard"}, name
            env = app["metadata"]["labels"]["kustguard.io/environment"]
            admin = app["metadata"]["labels"]["kustguard.io/tier"] == "admin"
            assert spec["project"] == (f"{env}-admin" if admin else env), name
            assert name.startswith(f"{env}-"), name


def test_sync_policy_per_environment():
    for app in apps():
        env = app["metadata"]["labels"]["kustguard.io/environment"]
        policy = app["spec"].get("syncPolicy", {})
        if app["metadata"]["labels"]["kustguard.io/tier"] == "admin":
            assert "automated" not in policy, app["metadata"]["name"]
        elif env == "k3d":
            assert policy["automated"] == {"prune": True, "selfHeal": True}, app["metadata"]["name"]
        else:
            assert "automated" not in policy, app["metadata"]["name"]


def test_sync_waves_order_platform_then_data_then_apps():
    rank = {"platform": -1, "data": 0, "apps": 1}
    for app in apps():
        labels = app["metadata"]["labels"]
        if labels.get("kustguard.io/tier") in ("root", "admin"):
            continue
        wave = int(app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
        assert wave == rank[labels["kustguard.io/tier"]], app["metadata"]["name"]
        if labels["kustguard.io/component"] == "namespaces":
            assert wave == -1
        if labels["kustguard.io/component"] in ("mysql", "registry"):
            assert wave == 0


def test_create_namespace_only_where_the_namespace_is_not_managed():
    managed = {env: _managed_namespaces(env) for env in ENVIRONMENTS}
    for app in apps():
        labels = app["metadata"]["labels"]
        if labels.get("kustguard.io/tier") in ("root", "admin"):
            continue
        env, component = labels["kustguard.io/environment"], labels["kustguard.io/component"]
        options = app["spec"].get("syncPolicy", {}).get("syncOptions", [])
        namespace = app["spec"]["destination"]["namespace"]
        wanted = component != "namespaces" and namespace not in managed[env]
        assert ("CreateNamespace=true" in options) == wanted, app["metadata"]["name"]


def test_root_apps_carry_the_repo_url_into_their_children():
    roots = [a for a in apps() if a["metadata"]["labels"].get("kustguard.io/tier") == "root"]
    assert sorted(a["metadata"]["name"] for a in roots) == ENVIRONMENTS
    for root in roots:
        source = root["spec"]["source"]
        assert root["spec"]["project"] == "bootstrap"
        assert source["path"] == f"argocd/applications/{root['metadata']['name']}"
        patch = source["kustomize"]["patches"][0]["patch"]
        assert PLACEHOLDER in patch and "/spec/source/repoURL" in patch


# -- projects that hold ------------------------------------------------------------

RBAC_GROUP = "rbac.authorization.k8s.io"


def test_root_apps_force_the_environment_project_on_their_children():
    """Whatever project a committed Application names, its root app's patch
    (applied from the cluster, not from git) puts it in the environment's."""
    roots = [a for a in apps() if a["metadata"]["labels"].get("kustguard.io/tier") == "root"]
    for root in roots:
        env = root["metadata"]["name"]
        ops = yaml.safe_load(root["spec"]["source"]["kustomize"]["patches"][0]["patch"])
        assert {"op": "add", "path": "/spec/project", "value": env} in ops, env


def test_cluster_rbac_only_in_admin_projects_that_never_auto_sync():
    projs = projects()
    for name, proj in projs.items():
        kinds = {(e["group"], e["kind"]) for e in proj["spec"].get("clusterResourceWhitelist") or []}
        rbac = {k for g, k in kinds if g == RBAC_GROUP}
        if not name.endswith("-admin"):
            assert not rbac, f"{name} may deploy cluster-scoped RBAC"
            continue
        windows = proj["spec"]["syncWindows"]
        assert any(w["kind"] == "deny" and w["schedule"] == "* * * * *" and w["manualSync"]
                   for w in windows), name
    admin_apps = [a for a in apps() if a["spec"]["project"].endswith("-admin")]
    assert admin_apps, "the dashboard's cluster RBAC has no admin Application"
    # No root app syncs the admin Applications' folder.
    roots = [a for a in apps() if a["metadata"]["labels"].get("kustguard.io/tier") == "root"]
    assert all(r["spec"]["source"]["path"] != "argocd/applications/admin" for r in roots)


def test_default_project_is_locked_by_the_install():
    install = yaml.safe_load((ARGOCD / "install" / "kustomization.yaml").read_text())
    assert "default-project.yaml" in install["resources"]
    default = yaml.safe_load((ARGOCD / "install" / "default-project.yaml").read_text())
    assert default["metadata"]["name"] == "default"
    for field in ("sourceRepos", "destinations", "clusterResourceWhitelist"):
        assert default["spec"][field] == [], field
