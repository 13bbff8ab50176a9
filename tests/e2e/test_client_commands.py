"""Every `kustguard argocd` command against the real Argo CD (docs/argocd.md).

A small lab of its own, independent of the k3d deployment the GitOps
scenarios use: a git remote with three folders, an AppProject, and three
Applications in the namespace e2e-lab:

- ``e2e-manual`` (synced by hand): a ConfigMap and a one-replica Deployment;
  sync --wait, status, get, list, history, diff, refresh, rollback --wait, logs;
- ``e2e-slow`` (by hand): a Deployment in wave 0 that can never become
  Healthy (its nodeSelector matches no node), and a ConfigMap in wave 1, so
  its sync keeps running: sync --wait --terminate-on-timeout, terminate;
- ``e2e-auto`` (automated, one quick retry): a push that fails, then a push that
  fixes it, then a failure and a no-op revert, each followed by `wait`.

Each command runs as the installed CLI would, and each test asserts what
the command printed and what the cluster holds, not only the exit code.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from e2e_project import GitRemote, git
from kustguard_e2e.controlplane import ControlPlane

from kustguard.argocd import ArgoCD
from kustguard.argocd.wait import operation_running

pytestmark = pytest.mark.e2e

KUSTGUARD = str(Path(sys.executable).parent / "kustguard")
NAMESPACE = "e2e-lab"
PROJECT = "e2e-lab"
LABEL = "kustguard.io/environment"
TIMEOUT = 300

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
data:
  version: "{version}"
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  annotations:
    argocd.argoproj.io/sync-wave: "{wave}"
spec:
  replicas: 1
  progressDeadlineSeconds: 3600
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      nodeSelector: {selector}
      containers:
        - name: web
          image: registry.example/lab-web:1.0.0
"""
LATE_CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: after-the-slow-wave
  annotations:
    argocd.argoproj.io/sync-wave: "1"
data: {}
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: lab-svc
spec:
  selector: {{app: lab}}
  ports:
    - name: http
{port}      targetPort: 8080
"""


def kg(env: dict, cp: ControlPlane, *args: str, timeout: float = TIMEOUT + 60):
    """`kustguard argocd ARGS` as a script runs it (credentials from the environment)."""
    return subprocess.run([KUSTGUARD, "argocd", *args, "--ca-bundle", str(cp.argocd_ca)],
                          capture_output=True, text=True, env=env, timeout=timeout)


def said(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout + proc.stderr


def application(name: str, path: str, repo: str, *, automated: bool) -> dict:
    spec = {"project": PROJECT,
            "source": {"repoURL": repo, "path": path, "targetRevision": "main"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": NAMESPACE},
            "syncPolicy": {"syncOptions": ["CreateNamespace=true"]}}
    if automated:
        spec["syncPolicy"]["automated"] = {"prune": True}
        # One quick retry: a failed sync is Failed within seconds (Argo CD
        # otherwise retries an automated sync with a growing backoff).
        spec["syncPolicy"]["retry"] = {"limit": 1, "backoff": {
            "duration": "1s", "factor": 1, "maxDuration": "1s"}}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": name, "namespace": "argocd", "labels": {LABEL: PROJECT}},
            "spec": spec}


def project(repo: str) -> dict:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
            "metadata": {"name": PROJECT, "namespace": "argocd"},
            "spec": {"sourceRepos": [repo],
                     "destinations": [{"server": "https://kubernetes.default.svc",
                                       "namespace": NAMESPACE}],
                     "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
                     "namespaceResourceWhitelist": [
                         {"group": "", "kind": "ConfigMap"}, {"group": "", "kind": "Service"},
                         {"group": "apps", "kind": "Deployment"}]}}


@pytest.fixture(scope="module")
def lab(argocd: ControlPlane, tmp_path_factory) -> GitRemote:
    source = tmp_path_factory.mktemp("lab-source")
    git("init", "--quiet", "--initial-branch=main", str(source), cwd=source)
    files = {
        "manual/configmap.yaml": CONFIGMAP.format(name="lab-config", version="1"),
        "manual/deployment.yaml": DEPLOYMENT.format(name="lab-web", wave=0,
                                                    selector="{type: kwok}"),
        "slow/deployment.yaml": DEPLOYMENT.format(name="never-ready", wave=0,
                                                  selector="{kustguard.io/no-such-node: 'yes'}"),
        "slow/configmap.yaml": LATE_CONFIGMAP,
        "auto/configmap.yaml": CONFIGMAP.format(name="auto-config", version="auto"),
    }
    for rel, text in files.items():
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_text(text)
    remote = GitRemote.create(tmp_path_factory.mktemp("lab-git"), repo_root=source)
    argocd.kube.apply(project(remote.url))
    for name, path, automated in (("e2e-manual", "manual", False), ("e2e-slow", "slow", False),
                                  ("e2e-auto", "auto", True)):
        argocd.kube.apply(application(name, path, remote.url, automated=automated))
    return remote


def see(client: ArgoCD, name: str, sha: str, timeout: float = 120) -> dict:
    """Refresh until Argo CD targets ``sha`` (it polls git every 3 minutes)."""
    deadline = time.monotonic() + timeout
    while True:
        app = client.refresh(name)
        if (app.get("status") or {}).get("sync", {}).get("revision") == sha:
            return app
        assert time.monotonic() < deadline, f"{name} does not target {sha}"
        time.sleep(2)


def live_configmap(cp: ControlPlane, name: str = "lab-config") -> dict | None:
    return cp.kube.get("v1", "ConfigMap", name, NAMESPACE)


# -- list, sync --wait, get, status ----------------------------------------------------
def test_list_filters_the_lab_apps(argocd, lab, cli_env):  # noqa: ARG001
    listed = kg(cli_env, argocd, "list", "--environment", PROJECT, "--output", "json")
    assert listed.returncode == 0, said(listed)
    apps = {a["name"]: a for a in json.loads(listed.stdout)}
    assert set(apps) == {"e2e-manual", "e2e-slow", "e2e-auto"}
    assert {a["project"] for a in apps.values()} == {PROJECT}
    table = kg(cli_env, argocd, "list", "--selector", f"{LABEL}={PROJECT}", "--project", PROJECT)
    assert table.returncode == 0, said(table)
    assert [line.split()[0] for line in table.stdout.splitlines()[1:]] == \
        ["e2e-auto", "e2e-manual", "e2e-slow"]


def test_sync_wait_get_and_status(argocd, lab, cli_env):
    sync = kg(cli_env, argocd, "sync", "e2e-manual", "--wait", "--timeout", str(TIMEOUT))
    assert sync.returncode == 0, said(sync)
    assert "done: e2e-manual is Synced and Healthy" in sync.stdout
    assert live_configmap(argocd)["data"] == {"version": "1"}

    got = kg(cli_env, argocd, "get", "e2e-manual", "-o", "json")
    assert got.returncode == 0, said(got)
    details = json.loads(got.stdout)
    assert details["status"]["sync"] == "Synced" and details["status"]["health"] == "Healthy"
    assert details["status"]["revision"] == lab.head()
    assert details["path"] == "manual" and details["destination"].endswith(f"/{NAMESPACE}")
    nodes = {(r["kind"], r["name"]): r for r in details["resources"]}
    assert nodes[("Deployment", "lab-web")]["health"] == "Healthy"
    assert nodes[("Deployment", "lab-web")]["sync"] == "Synced"
    assert nodes[("ConfigMap", "lab-config")]["depth"] == 0
    # Children (ReplicaSet, Pod) sit under what owns them, when Argo CD's tree
    # has them (this control plane's tree holds the managed resources only).
    for node in details["resources"]:
        assert node["depth"] == {"ReplicaSet": 1, "Pod": 2}.get(node["kind"], 0), node
    table = kg(cli_env, argocd, "get", "e2e-manual")
    assert "Health:       Healthy" in table.stdout and "lab-web" in table.stdout

    status = kg(cli_env, argocd, "status", "e2e-manual", "-o", "json")
    assert status.returncode == 0 and json.loads(status.stdout)[0]["sync"] == "Synced"


# -- refresh, diff, history, rollback --wait ---------------------------------------------
def test_refresh_diff_history_and_rollback(argocd, lab, cli_env, client):
    first = lab.head()
    (lab.work / "manual/configmap.yaml").write_text(
        CONFIGMAP.format(name="lab-config", version="2"))
    second = lab.commit_and_push("lab: version 2")

    deadline = time.monotonic() + 120
    while True:
        refreshed = kg(cli_env, argocd, "refresh", "e2e-manual", "-o", "json")
        assert refreshed.returncode == 0, said(refreshed)
        state = json.loads(refreshed.stdout)
        if state["revision"] == second:
            break
        assert time.monotonic() < deadline, f"refresh never showed {second}: {state}"
        time.sleep(2)
    assert state["sync"] == "OutOfSync"

    diff = kg(cli_env, argocd, "diff", "e2e-manual")
    assert diff.returncode == 1, said(diff)
    assert f"ConfigMap/{NAMESPACE}/lab-config  modified" in diff.stdout
    assert "-  version: '1'" in diff.stdout and "+  version: '2'" in diff.stdout

    sync = kg(cli_env, argocd, "sync", "e2e-manual", "--wait", "--timeout", str(TIMEOUT))
    assert sync.returncode == 0, said(sync)
    assert live_configmap(argocd)["data"] == {"version": "2"}
    same = kg(cli_env, argocd, "diff", "e2e-manual")
    assert same.returncode == 0 and "matches the target" in same.stdout

    history = kg(cli_env, argocd, "history", "e2e-manual", "-o", "json")
    assert history.returncode == 0, said(history)
    entries = json.loads(history.stdout)
    assert [e["revision"] for e in entries] == [first, second]
    back_to = entries[0]["id"]

    rollback = kg(cli_env, argocd, "rollback", "e2e-manual", str(back_to), "--wait",
                  "--timeout", str(TIMEOUT))
    assert rollback.returncode == 0, said(rollback)
    assert "done: e2e-manual: operation Succeeded, Healthy" in rollback.stdout
    assert live_configmap(argocd)["data"] == {"version": "1"}
    app = client.get("e2e-manual")
    assert app["status"]["operationState"]["syncResult"]["revision"] == first
    assert app["status"]["sync"]["status"] == "OutOfSync"  # by design after a rollback
    status = kg(cli_env, argocd, "status", "e2e-manual")
    assert status.returncode == 1 and "OutOfSync" in status.stdout
    history = json.loads(kg(cli_env, argocd, "history", "e2e-manual", "-o", "json").stdout)
    assert [e["revision"] for e in history] == [first, second, first]


# -- terminate --------------------------------------------------------------------------
def _ended(client: ArgoCD, name: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        app = client.get(name)
        if not operation_running(app):
            return app
        assert time.monotonic() < deadline, f"{name}: the operation still runs"
        time.sleep(0.5)


def test_sync_wait_terminate_on_timeout_ends_the_operation(argocd, lab, cli_env, client):  # noqa: ARG001
    sync = kg(cli_env, argocd, "sync", "e2e-slow", "--wait", "--timeout", "3",
              "--terminate-on-timeout")
    assert sync.returncode == 6, said(sync)
    assert "the running operation was terminated" in sync.stderr
    app = _ended(client, "e2e-slow")
    state = app["status"]["operationState"]
    assert state["phase"] in ("Failed", "Error"), state
    assert "terminated" in state.get("message", "").lower(), state
    # Wave 1 never ran: the operation really stopped in wave 0.
    assert live_configmap(argocd, "after-the-slow-wave") is None


def test_terminate_stops_a_running_sync(argocd, lab, cli_env, client):  # noqa: ARG001
    started = kg(cli_env, argocd, "sync", "e2e-slow")
    assert started.returncode == 0 and "sync started" in started.stdout, said(started)
    deadline = time.monotonic() + 60
    while not operation_running(client.get("e2e-slow")):
        assert time.monotonic() < deadline
        time.sleep(0.5)
    stop = kg(cli_env, argocd, "terminate", "e2e-slow", "-o", "json")
    assert stop.returncode == 0, said(stop)
    assert json.loads(stop.stdout) == {"terminated": "e2e-slow"}
    state = _ended(client, "e2e-slow")["status"]["operationState"]
    assert state["phase"] in ("Failed", "Error") and "terminated" in state["message"].lower()


# -- wait: which operation counts --------------------------------------------------------
def _push_service(lab: GitRemote, *, with_port: bool, message: str) -> str:
    port = "      port: 80\n" if with_port else ""
    (lab.work / "auto/service.yaml").write_text(SERVICE.format(port=port))
    return lab.commit_and_push(message)


def _wait(env, cp, name: str = "e2e-auto"):
    return kg(env, cp, "wait", name, "--timeout", str(TIMEOUT))


def test_wait_after_a_push_that_fixes_a_failed_sync(argocd, lab, cli_env, client):
    bad = _push_service(lab, with_port=False, message="auto: a Service without its port")
    see(client, "e2e-auto", bad)
    failed = _wait(cli_env, argocd)
    assert failed.returncode == 4, said(failed)
    assert "Service/e2e-lab/lab-svc" in failed.stderr

    fix = _push_service(lab, with_port=True, message="auto: the port")
    see(client, "e2e-auto", fix)
    # Right now the app still shows the failed operation (at `bad`): it must
    # not count; the wait lasts until auto-sync has synced `fix`.
    fixed = _wait(cli_env, argocd)
    assert fixed.returncode == 0, said(fixed)
    app = client.get("e2e-auto")
    assert app["status"]["operationState"]["syncResult"]["revision"] == fix
    assert argocd.kube.get("v1", "Service", "lab-svc", NAMESPACE)["spec"]["ports"][0]["port"] == 80


def test_wait_after_a_no_op_revert(argocd, lab, cli_env, client):
    (lab.work / "auto/bad-service.yaml").write_text(
        SERVICE.format(port="").replace("lab-svc", "lab-bad"))
    bad = lab.commit_and_push("auto: another Service without its port")
    see(client, "e2e-auto", bad)
    failed = _wait(cli_env, argocd)
    assert failed.returncode == 4, said(failed)

    good = lab.revert_and_push(bad)
    app = see(client, "e2e-auto", good)
    deadline = time.monotonic() + 60
    while app["status"]["sync"]["status"] != "Synced":  # nothing to apply: lab-bad never existed
        assert time.monotonic() < deadline, app["status"]["sync"]
        time.sleep(1)
        app = client.get("e2e-auto")
    assert app["status"]["operationState"]["phase"] == "Failed"  # the stale one, at `bad`
    started = time.monotonic()
    done = _wait(cli_env, argocd)
    assert done.returncode == 0, said(done)
    assert "done: e2e-auto is Synced and Healthy" in done.stdout
    assert time.monotonic() - started < 60
    assert argocd.kube.get("v1", "Service", "lab-bad", NAMESPACE) is None


# -- logs ------------------------------------------------------------------------------
def test_logs_through_the_pod_logs_stream(argocd, lab, cli_env):  # noqa: ARG001
    """The request goes through Argo CD's pod-logs stream to the end marker.

    kwok runs no containers, so the stream carries no log line here (measured:
    exit 0, nothing printed, also for a pod that does not exist: Argo CD
    answers an empty stream); what is proved is the round trip through the
    real server and clean output, and that an API error is one line."""
    logs = kg(cli_env, argocd, "logs", "e2e-manual", f"apps:Deployment:{NAMESPACE}/lab-web",
              "--tail", "5", timeout=120)
    print(f"logs exited {logs.returncode}: {said(logs)}")  # shown by make e2e's -rA
    assert logs.returncode == 0, said(logs)
    assert logs.stderr == ""
    assert all(line.startswith("lab-web-") for line in logs.stdout.splitlines()), logs.stdout
    as_json = kg(cli_env, argocd, "logs", "e2e-manual", f"apps:Deployment:{NAMESPACE}/lab-web",
                 "-o", "json", timeout=120)
    assert as_json.returncode == 0, said(as_json)
    assert all(json.loads(line)["pod"].startswith("lab-web-")
               for line in as_json.stdout.splitlines())
    missing = kg(cli_env, argocd, "logs", "e2e-no-such-app", ":Pod:e2e-lab/x", timeout=120)
    assert missing.returncode == 1, said(missing)
    assert "Traceback" not in said(missing)
    assert len(missing.stderr.strip().splitlines()) == 1, missing.stderr
    assert missing.stderr.startswith("kustguard argocd: "), missing.stderr
