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
from datetime import datetime
from pathlib import Path

import pytest
from e2e_project import (
    REPO_ROOT,
    argocd_session,
    encrypted_keys,
    k3d_applications,
    render_decrypted,
    secret_values,
)
from kustguard_e2e.controlplane import ControlPlane

from kustguard.argocd import ArgoCD, Outcome, Waiter, wait_for
from kustguard.argocd.wait import operation_running
from kustguard.pipeline import render_objects

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


def operation_revision(app: dict) -> str:
    """The revision the app's current or last operation syncs."""
    if app.get("operation"):
        return ((app["operation"].get("sync") or {}).get("revision")) or ""
    op_state = (app.get("status") or {}).get("operationState") or {}
    return ((op_state.get("operation") or {}).get("sync") or {}).get("revision") or ""


def await_sync_of(client: ArgoCD, name: str, sha: str, timeout: float = 180.0) -> dict:
    """The app once its automated sync of ``sha`` has started (or ended).

    Right after a push, the app still shows the last operation's outcome;
    a wait started then would report that one (e.g. a previous failure)."""
    app = see_revision(client, name, sha)
    deadline = time.monotonic() + timeout
    while operation_revision(app) != sha:
        assert time.monotonic() < deadline, \
            f"{name}: no sync of {sha} started after {timeout:g}s (last: {operation_revision(app)})"
        time.sleep(1)
        app = client.get(name)
    return app


def poll(client: ArgoCD, name: str, check, what: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    app = client.get(name)
    while not check(app):
        assert time.monotonic() < deadline, f"{name}: not {what} after {timeout:g}s"
        time.sleep(0.2)
        app = client.get(name)
    return app


def deploy_revision(client: ArgoCD, name: str, sha: str,
                    timeout: float = CHANGE_TIMEOUT) -> dict:
    app = await_sync_of(client, name, sha)
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


# -- scenario 2 ---------------------------------------------------------------------------
def test_gitops_loop_deploys_the_k3d_environment(argocd, deployed, client):
    apps = k3d_applications()
    result = wait_for(client, ROOT_APP, timeout=FIRST_SYNC_TIMEOUT)
    assert result.ok, result.message
    for name in apps:
        child = wait_for(client, name, timeout=CHANGE_TIMEOUT)
        assert child.ok, child.message
    # Only k3d's: other scenarios may run their own apps on the same Argo CD.
    every = {a["metadata"]["name"]: a
             for a in client.list_applications(selector="kustguard.io/environment=k3d")}
    # The admin-only app (cluster-scoped RBAC, project k3d-admin) is applied by
    # the bootstrap and never synced automatically: its ClusterRole is absent.
    admin = {n: a for n, a in every.items()
             if a["metadata"].get("labels", {}).get("kustguard.io/tier") == "admin"}
    assert admin and all(a["spec"]["project"] == "k3d-admin" for a in admin.values())
    assert all(not (a.get("status") or {}).get("operationState") for a in admin.values())
    assert argocd.kube.get("rbac.authorization.k8s.io/v1", "ClusterRole", "dashboard-viewer") is None
    listed = {n: a for n, a in every.items() if n not in admin}
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
# A new Service whose port has no number: kustomize renders it, the API
# server refuses to create it. Two near misses do not fail a sync, because
# Argo CD applies client-side without strict field validation: a misspelled
# field is dropped with a warning (the sync "succeeds", the app stays
# OutOfSync), and removing the port of an existing Service port entry gives
# an empty strategic merge patch (the app reports Synced, the old port stays).
BAD_SERVICE = """\
# A metrics Service (the port number is missing).
apiVersion: v1
kind: Service
metadata:
  name: todo-metrics
spec:
  selector:
    app: todo
  ports:
    - name: metrics
      targetPort: http
"""


def test_a_bad_commit_fails_with_the_servers_message(argocd, deployed, client, cli_env):
    (deployed.work / "overlays/k3d/todo/metrics-service.yaml").write_text(BAD_SERVICE)
    deployed.edit("overlays/k3d/todo/kustomization.yaml", "resources:\n",
                  "resources:\n  - metrics-service.yaml\n")
    bad = deployed.commit_and_push("todo: a metrics Service, without its port number")
    try:
        await_sync_of(client, "k3d-todo", bad)
        wait = subprocess.run([KUSTGUARD, "argocd", "wait", "k3d-todo", "--timeout", "600",
                               "--ca-bundle", str(argocd.argocd_ca)],
                              capture_output=True, text=True, env=cli_env, timeout=700)
        said = wait.stdout + wait.stderr
        assert wait.returncode == Outcome.FAILED.exit_code, said
        # The API server's own words, and the resource.
        assert 'Service "todo-metrics" is invalid: spec.ports[0].port:' in said, said
        assert "Service/todo/todo-metrics" in said, said

        # The validator, on the same commit, refuses the same field of the same
        # object: pre-commit would have stopped it.
        validate = subprocess.run([KUSTGUARD, "validate", "overlays/k3d"], cwd=deployed.work,
                                  capture_output=True, text=True, timeout=600)
        found = validate.stdout + validate.stderr
        assert validate.returncode == 1, found
        lines = found.splitlines()
        at = [i for i, line in enumerate(lines) if "Service/todo/todo-metrics" in line]
        assert len(at) == 1 and "schema" in lines[at[0]], found
        assert 'spec.ports[0]: "port" is a required property' in lines[at[0] + 1], found
    finally:
        good = deployed.revert_and_push(bad)
    # The bad Service was never created, so the live state already matches the
    # reverted commit: automated sync has nothing to do, and the failed
    # operation (at the bad commit) stays the app's last. It does not belong
    # to the current target, so `wait` reports the app as it is: done.
    see_revision(client, "k3d-todo", good)
    wait = subprocess.run([KUSTGUARD, "argocd", "wait", "k3d-todo", "--timeout",
                           str(int(CHANGE_TIMEOUT)), "--ca-bundle", str(argocd.argocd_ca)],
                          capture_output=True, text=True, env=cli_env, timeout=CHANGE_TIMEOUT + 60)
    assert wait.returncode == 0, wait.stdout + wait.stderr
    assert "done: k3d-todo is Synced and Healthy" in wait.stdout
    app = client.get("k3d-todo")
    assert app_revision(app) == good
    assert argocd.kube.get("v1", "Service", "todo-metrics", "todo") is None


# -- scenario 4b: a commit that tries to run its own code in the plugin sidecar ------------------
LEAK_GENERATOR = """\
# If the plugin sidecar ran this, the age key would land in a ConfigMap.
apiVersion: example.com/v1
kind: Leak
metadata:
  name: leak
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: /bin/sh
        args:
          - -c
          - |
            if [ -n "${ARGOCD_APP_NAME:-}" ]; then
              printf 'apiVersion: config.kubernetes.io/v1\\nkind: ResourceList\\nitems:\\n- apiVersion: v1\\n  kind: ConfigMap\\n  metadata: {name: leaked-key}\\n  data: {key: "%s"}\\n' "$(base64 -w0 < "$SOPS_AGE_KEY_FILE")"
            else
              printf 'apiVersion: config.kubernetes.io/v1\\nkind: ResourceList\\nitems: []\\n'
            fi
"""


def comparison_error(app: dict) -> str:
    return " ".join(c.get("message", "") for c in (app.get("status") or {}).get("conditions") or []
                    if c.get("type") == "ComparisonError")


def test_a_commit_running_its_own_code_is_refused_by_the_sidecar(argocd, deployed, client):
    (deployed.work / "overlays/k3d/todo/leak.yaml").write_text(LEAK_GENERATOR)
    deployed.edit("overlays/k3d/todo/kustomization.yaml", "resources:\n",
                  "generators:\n  - leak.yaml\nresources:\n")
    bad = deployed.commit_and_push("todo: a generator that runs a shell")
    try:
        client.get("k3d-todo", refresh="hard")
        deadline = time.monotonic() + CHANGE_TIMEOUT
        app = client.get("k3d-todo")
        while "refused" not in comparison_error(app):
            assert time.monotonic() < deadline, f"no refusal after {CHANGE_TIMEOUT:g}s: {app.get('status', {}).get('conditions')}"
            time.sleep(3)
            app = client.get("k3d-todo", refresh="normal")
        said = comparison_error(app)
        assert "overlays/k3d/todo/leak.yaml" in said or "leak.yaml" in said, said
        assert "/bin/sh" in said, said
        assert argocd.kube.get("v1", "ConfigMap", "leaked-key", "todo") is None
        assert not [c for c in argocd.kube.list("v1", "ConfigMap", "todo")
                    if c["metadata"]["name"].startswith("leaked")]
    finally:
        good = deployed.revert_and_push(bad)
    app = see_revision(client, "k3d-todo", good, timeout=CHANGE_TIMEOUT)
    poll(client, "k3d-todo", lambda a: not comparison_error(a), "free of the refusal", CHANGE_TIMEOUT)


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
    """While the automated sync of a push is running, SIGKILL the application
    controller, then Argo CD's API server (dropping the waiting client's watch
    stream); both start again. The restarted controller resumes the
    interrupted operation, the sync converges, and the client's wait, started
    before the faults, sees it through.

    While the controller is down the app's status cannot change, so the wait
    is still waiting when the server dies: the stream drop always happens."""
    caplog.set_level(logging.INFO, logger="kustguard.argocd")
    rel = "overlays/k3d/voting/kustomization.yaml"
    deployed.append(rel, "replicas:\n  - name: voting-app-deployment\n    count: 2\n")
    sha = deployed.commit_and_push("vote: 2 replicas")
    # The automated sync of the push is under way (the voting app has sync
    # waves, so its operation lasts until each wave is healthy).
    see_revision(client, "k3d-voting", sha)
    app = poll(client, "k3d-voting", lambda a: operation_running(a) and
               operation_revision(a) == sha, "its sync operation running", timeout=60)

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
    controller, server = (argocd.process("argocd-application-controller"),
                          argocd.process("argocd-server"))
    try:
        controller.kill()
        time.sleep(1)
        assert thread.is_alive(), f"the wait ended before the faults: {outcome}"
        server.kill()
        time.sleep(3)
        server.start()
        argocd.wait_server()
        controller.start()
        argocd.wait_controller()
        thread.join(CHANGE_TIMEOUT + 60)
        assert not thread.is_alive(), "the wait did not return"
    finally:
        waiter_client.close()
    assert "error" not in outcome, repr(outcome.get("error"))
    result = outcome["result"]
    assert result.ok, result.message
    assert any("watch stream interrupted" in r.getMessage() for r in caplog.records), \
        "the client's stream was never dropped: the fault was not injected"
    assert app_revision(result.app) == sha
    assert result.app["status"]["operationState"]["syncResult"]["revision"] == sha
    assert controller.starts == 2 and server.starts == 2
    restarted = controller.log.read_text().rsplit("=== start #2", 1)[1]
    assert "Resuming in-progress operation" in restarted, \
        "the restarted controller did not resume the interrupted sync"

    want = next(d for d in render_objects(deployed.work / "overlays/k3d/voting")
                if d["metadata"]["name"] == "voting-app-deployment")
    assert want["spec"]["replicas"] == 2
    assert_rolled_out(argocd, want)


def test_the_kwok_nodes_stayed_ready(argocd, deployed):  # noqa: ARG001
    """The fake nodes never went NotReady: every result above is about the
    manifests, not a flapping node (kwok renews its nodes' Leases)."""
    def when(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    for node in argocd.kube.list("v1", "Node", label_selector="type=kwok"):
        ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
        assert ready["status"] == "True", node["metadata"]["name"]
        since = when(ready["lastTransitionTime"]) - when(node["metadata"]["creationTimestamp"])
        assert since.total_seconds() < 60, \
            f"{node['metadata']['name']} became Ready again at {ready['lastTransitionTime']}"
