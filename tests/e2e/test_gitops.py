"""Scenarios 2 to 6: git push -> Argo CD -> cluster, on the k3d environment.

A bare repository served over file:// holds a copy of the project. The
bootstrap applies the project's AppProjects and the k3d root app with that
URL in place of the placeholder, as scripts/k3d-up.sh does; Argo CD renders
every component through the kustguard plugin (argocd/cmp/plugin.yaml, run
by argocd-cmp-server), which decrypts the SOPS secrets with the demo key.

The scenarios run in order on one deployment: each leaves it Synced and
Healthy for the next.
"""
from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from e2e_project import (
    REPO_ROOT,
    GitRemote,
    argocd_session,
    bootstrap_objects,
    encrypted_keys,
    k3d_applications,
    render_decrypted,
    secret_values,
)
from kustguard_e2e.controlplane import ControlPlane

from kustguard.argocd import ArgoCD, Outcome, Waiter, wait_for
from kustguard.argocd.wait import operation_running
from kustguard.render import render_objects

pytestmark = pytest.mark.e2e

ROOT_APP = "k3d"
FIRST_SYNC_TIMEOUT = 900.0   # every component, in waves, on a busy 2-core machine
CHANGE_TIMEOUT = 420.0
KUSTGUARD = str(Path(sys.executable).parent / "kustguard")
OVERLAY = REPO_ROOT / "overlays" / "k3d"


# -- helpers ------------------------------------------------------------------------
def app_revision(app: dict) -> str:
    return ((app.get("status") or {}).get("sync") or {}).get("revision") or ""


def see_revision(client: ArgoCD, name: str, sha: str, timeout: float = 180.0) -> dict:
    """Have Argo CD read git now (it polls every 3 minutes otherwise) until the
    app's target revision is ``sha``."""
    deadline = time.monotonic() + timeout
    app = client.get(name, refresh="normal")
    asked = time.monotonic()
    while app_revision(app) != sha:
        assert time.monotonic() < deadline, \
            f"{name} still at {app_revision(app)!r}, not {sha} after {timeout:g}s"
        time.sleep(2)
        again = time.monotonic() - asked > 30
        app = client.get(name, refresh="normal" if again else None)
        if again:
            asked = time.monotonic()
    return app


def deploy_revision(client: ArgoCD, name: str, sha: str,
                    timeout: float = CHANGE_TIMEOUT) -> dict:
    app = see_revision(client, name, sha)
    result = wait_for(client, name, timeout=timeout, app=app)
    assert result.ok, result.message
    assert app_revision(result.app) == sha
    synced = result.app["status"]["operationState"]["syncResult"]["revision"]
    assert synced == sha, f"{name} last synced {synced}, not {sha}"
    return result.app


def rendered(component: str, kind: str) -> list[dict]:
    return [o for o in render_objects(OVERLAY / component) if o["kind"] == kind]


def pods_of(cp: ControlPlane, deployment: dict) -> list[dict]:
    ns = deployment["metadata"]["namespace"]
    selector = ",".join(f"{k}={v}" for k, v in
                        deployment["spec"]["selector"]["matchLabels"].items())
    return [p for p in cp.kube.list("v1", "Pod", ns, label_selector=selector)
            if not p["metadata"].get("deletionTimestamp")]


def ready(pod: dict) -> bool:
    return pod["status"].get("phase") == "Running" and any(
        c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))


def assert_rolled_out(cp: ControlPlane, want: dict) -> dict:
    """The live Deployment has the manifest's replicas, all updated and ready,
    on nodes its nodeSelector allows."""
    meta = want["metadata"]
    live = cp.kube.get("apps/v1", "Deployment", meta["name"], meta["namespace"])
    assert live is not None, f"Deployment {meta['namespace']}/{meta['name']} is missing"
    replicas = want["spec"].get("replicas", 1)
    status = live.get("status", {})
    assert live["spec"]["replicas"] == replicas
    assert status.get("readyReplicas") == replicas, status
    assert status.get("updatedReplicas") == replicas, status
    pods = pods_of(cp, live)
    assert len([p for p in pods if ready(p)]) == replicas, [p["metadata"]["name"] for p in pods]
    selector = want["spec"]["template"]["spec"].get("nodeSelector") or {}
    for pod in pods:
        node = cp.kube.get("v1", "Node", pod["spec"]["nodeName"])
        assert selector.items() <= node["metadata"]["labels"].items(), \
            f"{pod['metadata']['name']} runs on {node['metadata']['name']}"
    return live


# -- the deployment ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def remote(argocd: ControlPlane, tmp_path_factory) -> GitRemote:  # noqa: ARG001
    return GitRemote.create(tmp_path_factory.mktemp("git"))


@pytest.fixture(scope="module")
def deployed(argocd: ControlPlane, remote: GitRemote) -> GitRemote:
    """The k3d bootstrap against the file:// remote: volumes for the claims (the
    cluster has no provisioner), then the projects and the root app."""
    claims = [o for o in render_objects(OVERLAY) if o["kind"] == "PersistentVolumeClaim"]
    assert claims, "the k3d environment has no claims: nothing tests the storage setup"
    argocd.provide_volumes(claims)
    for obj in bootstrap_objects(remote.url):
        argocd.kube.apply(obj)
    return remote


# -- scenario 2 ---------------------------------------------------------------------------
def test_gitops_loop_deploys_the_k3d_environment(argocd, deployed, client):
    apps = k3d_applications()
    result = wait_for(client, ROOT_APP, timeout=FIRST_SYNC_TIMEOUT)
    assert result.ok, result.message
    for name in apps:
        child = wait_for(client, name, timeout=CHANGE_TIMEOUT)
        assert child.ok, child.message
    listed = {a["metadata"]["name"]: a for a in client.list_applications()}
    assert set(listed) == {ROOT_APP, *apps}
    head = deployed.head()
    for name, app in listed.items():
        assert app_revision(app) == head, f"{name} synced {app_revision(app)}, not {head}"

    for component in ("mysql", "todo", "registry", "voting"):
        deployments = rendered(component, "Deployment")
        assert deployments, component
        for want in deployments:
            assert_rolled_out(argocd, want)
    for claim in rendered("mysql", "PersistentVolumeClaim"):
        live = argocd.kube.get("v1", "PersistentVolumeClaim", claim["metadata"]["name"],
                               claim["metadata"]["namespace"])
        assert live["status"]["phase"] == "Bound"


def test_the_plugin_decrypted_the_mysql_secret(argocd, deployed):  # noqa: ARG001
    """The Secret in the cluster is the one the repo-server's plugin decrypted:
    the keys of the SOPS file, and the values a local decryption gives."""
    want = next(o for o in render_decrypted(OVERLAY / "mysql") if o["kind"] == "Secret")
    live = argocd.kube.get("v1", "Secret", want["metadata"]["name"], "todo")
    assert live is not None, f"Secret todo/{want['metadata']['name']} is missing"
    keys = encrypted_keys(REPO_ROOT / "base" / "mysql" / "mysql-credentials.sops.yaml")
    assert set(live["data"]) == keys
    values = secret_values(live)
    assert values == secret_values(want)
    assert not any(v.startswith(b"ENC[") for v in values.values())


# -- scenario 3 --------------------------------------------------------------------------------
def test_a_push_deploys_a_new_image_and_replica_count(argocd, deployed, client, cli_env):
    rel = "overlays/k3d/todo/kustomization.yaml"
    deployed.edit(rel, "newName: 127.0.0.1:30500/todo\n    newTag: 1.0.0",
                  "newName: 127.0.0.1:30500/todo\n    newTag: 1.0.1")
    deployed.append(rel, "replicas:\n  - name: todo\n    count: 2\n")
    sha = deployed.commit_and_push("todo: image 1.0.1, 2 replicas")

    deploy_revision(client, "k3d-todo", sha)
    want = next(d for d in render_objects(deployed.work / "overlays/k3d/todo")
                if d["kind"] == "Deployment" and d["metadata"]["name"] == "todo")
    assert want["spec"]["replicas"] == 2
    live = assert_rolled_out(argocd, want)
    images = [c["image"] for c in live["spec"]["template"]["spec"]["containers"]]
    assert "127.0.0.1:30500/todo:1.0.1" in images
    assert all(p["spec"]["containers"][0]["image"].endswith(":1.0.1")
               for p in pods_of(argocd, live))

    status = subprocess.run([KUSTGUARD, "argocd", "status", "k3d-todo", "--format", "json",
                             "--ca-bundle", str(argocd.argocd_ca)],
                            capture_output=True, text=True, env=cli_env, timeout=120)
    assert status.returncode == 0, status.stdout + status.stderr
    assert sha in status.stdout
    assert '"sync": "Synced"' in status.stdout and '"health": "Healthy"' in status.stdout


# -- scenario 4 --------------------------------------------------------------------------------
BAD_PATCH = """\
patches:
  - target:
      kind: Deployment
      name: todo
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/imagePullPolcy
        value: Always
"""


def test_a_bad_commit_fails_with_the_servers_message(argocd, deployed, client, cli_env):
    deployed.append("overlays/k3d/todo/kustomization.yaml", BAD_PATCH)
    bad = deployed.commit_and_push("todo: a field name the API server does not know")
    try:
        see_revision(client, "k3d-todo", bad)
        wait = subprocess.run([KUSTGUARD, "argocd", "wait", "k3d-todo", "--timeout", "600",
                               "--ca-bundle", str(argocd.argocd_ca)],
                              capture_output=True, text=True, env=cli_env, timeout=700)
        said = wait.stdout + wait.stderr
        assert wait.returncode == Outcome.FAILED.exit_code, said
        assert "imagePullPolcy" in said and "unknown field" in said, said
        assert "Deployment/todo/todo" in said, said

        # The validator, on the same commit, refuses the same field of the same
        # object: pre-commit would have stopped it.
        validate = subprocess.run([KUSTGUARD, "validate", "overlays/k3d"], cwd=deployed.work,
                                  capture_output=True, text=True, timeout=600)
        found = validate.stdout + validate.stderr
        assert validate.returncode == 1, found
        problem = [line for line in found.splitlines() if "Deployment/todo/todo" in line]
        assert problem and "schema" in problem[0], found
        assert "spec.template.spec.containers[0].imagePullPolcy" in found, found
    finally:
        good = deployed.revert_and_push(bad)
    deploy_revision(client, "k3d-todo", good)


# -- scenario 5 --------------------------------------------------------------------------------
def test_removing_a_component_prunes_its_resources(argocd, deployed, client):
    component, app = "netpol-lab", "k3d-netpol-lab"
    objects = render_objects(OVERLAY / component)
    namespaced = [o for o in objects if o["metadata"].get("namespace")]
    assert any(o["kind"] == "Deployment" for o in namespaced)
    for obj in namespaced:  # deployed before
        assert argocd.kube.get(obj["apiVersion"], obj["kind"], obj["metadata"]["name"],
                               obj["metadata"]["namespace"]) is not None, obj["metadata"]

    for rel in (f"overlays/k3d/{component}", f"argocd/applications/k3d/{component}.yaml"):
        subprocess.run(["git", "rm", "-r", "--quiet", rel], cwd=deployed.work, check=True)
    deployed.remove_line("overlays/k3d/kustomization.yaml", rf"\s*- {component}")
    deployed.remove_line("argocd/applications/k3d/kustomization.yaml",
                         rf"\s*- {component}\.yaml")
    sha = deployed.commit_and_push(f"remove {component}")

    deploy_revision(client, ROOT_APP, sha)
    deadline = time.monotonic() + CHANGE_TIMEOUT
    left = namespaced
    while True:
        left = [o for o in namespaced if argocd.kube.get(
            o["apiVersion"], o["kind"], o["metadata"]["name"], o["metadata"]["namespace"])]
        gone = argocd.kube.get("argoproj.io/v1alpha1", "Application", app, "argocd") is None
        if gone and not left:
            break
        assert time.monotonic() < deadline, \
            f"after {CHANGE_TIMEOUT:g}s: app gone={gone}, left: " + \
            ", ".join(f"{o['kind']}/{o['metadata']['name']}" for o in left)
        time.sleep(2)
    assert app not in {a["metadata"]["name"] for a in client.list_applications()}
    assert argocd.kube.list("v1", "Pod", "nptest") == []


# -- scenario 6 --------------------------------------------------------------------------------
def test_the_loop_survives_a_crashed_controller_and_server(argocd, deployed, client, caplog):
    """While Argo CD syncs a change, SIGKILL the application controller, then
    Argo CD's API server (which drops the client's watch stream); both start
    again. The sync still converges and the waiting client sees it through."""
    caplog.set_level(logging.INFO, logger="kustguard.argocd")
    rel = "overlays/k3d/voting/kustomization.yaml"
    deployed.append(rel, "replicas:\n  - name: voting-app-deployment\n    count: 2\n")
    sha = deployed.commit_and_push("vote: 2 replicas")
    app = see_revision(client, "k3d-voting", sha)

    # Its own session: the main one is used below while the waiter runs. The
    # idle timeout is long, so only the fault can break the stream.
    waiter_client = ArgoCD(argocd_session(argocd, read_timeout=60))
    waiter = Waiter(waiter_client, "k3d-voting", timeout=CHANGE_TIMEOUT, idle_timeout=300)
    outcome: dict = {}

    def wait() -> None:
        try:
            outcome["result"] = waiter.run(app)
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            outcome["error"] = exc

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    try:
        # Kill the controller as soon as the automated sync is under way.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not operation_running(app):
            time.sleep(0.2)
            app = client.get("k3d-voting")
        mid_sync = operation_running(app)
        argocd.restart("argocd-application-controller")
        time.sleep(2)
        argocd.restart("argocd-server")
        thread.join(CHANGE_TIMEOUT + 60)
        assert not thread.is_alive(), "the wait did not return"
    finally:
        waiter_client.close()
    print(f"controller killed {'during' if mid_sync else 'before or after'} the sync operation")
    assert "error" not in outcome, repr(outcome.get("error"))
    result = outcome["result"]
    assert result.ok, result.message
    assert any("watch stream interrupted" in r.getMessage() for r in caplog.records), \
        "the client's stream was never dropped: the fault was not injected"
    assert app_revision(result.app) == sha
    assert argocd.process("argocd-application-controller").starts == 2
    assert argocd.process("argocd-server").starts == 2

    want = next(d for d in render_objects(deployed.work / "overlays/k3d/voting")
                if d["metadata"]["name"] == "voting-app-deployment")
    assert want["spec"]["replicas"] == 2
    assert_rolled_out(argocd, want)
