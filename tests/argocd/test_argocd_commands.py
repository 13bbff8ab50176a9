"""`list`, `get`, `history`, `refresh` and `logs`: output, filters, exit codes."""
from __future__ import annotations

import io
import json

from argocd_fake import REVISION, make_app, make_tree, stamp

from kustguard.argocd import cli

OLD = "fedcba9876543210fedcba9876543210fedcba98"


def run(fake, monkeypatch, token, *argv):
    monkeypatch.setenv("ARGOCD_SERVER", fake.url)
    monkeypatch.setenv("ARGOCD_AUTH_TOKEN", token)
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["argocd", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _apps(fake) -> None:
    web = make_app("k3d-web", project="k3d", sync="Synced")
    web["metadata"]["labels"]["kustguard.io/tier"] = "apps"
    fake.add_app(web)
    db = make_app("k3d-db", project="k3d")
    db["metadata"]["labels"]["kustguard.io/tier"] = "data"
    fake.add_app(db)
    gke = make_app("gke-web", project="gke")
    gke["metadata"]["labels"] = {"kustguard.io/environment": "gke"}
    fake.add_app(gke)


def test_list_filters_by_environment_selector_and_project(fake, monkeypatch, token):
    _apps(fake)
    code, out, _ = run(fake, monkeypatch, token, "list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["gke-web", "k3d-db", "k3d-web"]
    code, out, _ = run(fake, monkeypatch, token, "list", "-e", "k3d", "-l",
                       "kustguard.io/tier=apps", "-o", "json")
    assert code == 0 and [a["name"] for a in json.loads(out)] == ["k3d-web"]
    assert json.loads(out)[0]["sync"] == "Synced"
    query = fake.calls("ApplicationService_List")[-1]["query"]
    assert query == {"selector": ["kustguard.io/tier=apps,kustguard.io/environment=k3d"]}
    code, out, _ = run(fake, monkeypatch, token, "list", "--project", "gke", "-o", "json")
    assert [a["name"] for a in json.loads(out)] == ["gke-web"]
    code, out, _ = run(fake, monkeypatch, token, "list", "-e", "nowhere")
    assert code == 0 and out.strip() == "no applications"


def test_get_shows_summary_conditions_and_tree_with_health(fake, monkeypatch, token):
    app = make_app("web")
    app["status"]["conditions"] = [{"type": "SyncError", "message": "bad manifest"}]
    fake.add_app(app, tree=make_tree("web", health="Progressing", pod_health="Degraded",
                                     pod_message="back-off restarting failed container"))
    # The pod's parent ReplicaSet is not in this tree: the pod stays a root.
    code, out, _ = run(fake, monkeypatch, token, "get", "web")
    assert code == 0
    assert "Source:       https://git.example.com/team/gitops.git overlays/k3d/web @ HEAD" in out
    assert "  SyncError: bad manifest" in out
    row = next(line for line in out.splitlines() if line.startswith("Pod"))
    assert "Degraded" in row and "back-off restarting failed container" in row
    code, out, _ = run(fake, monkeypatch, token, "get", "web", "-o", "json")
    data = json.loads(out)
    assert code == 0 and data["conditions"] == [{"type": "SyncError", "message": "bad manifest"}]
    deploy = next(r for r in data["resources"] if r["kind"] == "Deployment")
    assert deploy["health"] == "Progressing" and deploy["sync"] == "OutOfSync"
    assert data["status"]["name"] == "web" and data["destination"].endswith("/apps")


def test_get_nests_children_under_their_parent(fake, monkeypatch, token):
    tree = make_tree("web", pod_health="Healthy")
    tree["nodes"].append({"group": "apps", "version": "v1", "kind": "ReplicaSet",
                          "namespace": "apps", "name": "web-7d9f", "uid": "uid-rs",
                          "parentRefs": [{"group": "apps", "kind": "Deployment",
                                          "namespace": "apps", "name": "web",
                                          "uid": "uid-web"}]})
    fake.add_app(make_app("web"), tree=tree)
    code, out, _ = run(fake, monkeypatch, token, "get", "web", "-o", "json")
    depth = {r["kind"]: r["depth"] for r in json.loads(out)["resources"]}
    assert depth == {"Deployment": 0, "ReplicaSet": 1, "Pod": 2, "Service": 0}


def test_history_lists_ids_for_rollback(fake, monkeypatch, token):
    app = make_app("web")
    app["status"]["history"] = [
        {"id": 1, "revision": OLD, "deployedAt": stamp(0), "initiatedBy": {"username": "ci"}},
        {"id": 2, "revision": REVISION, "deployedAt": stamp(60),
         "initiatedBy": {"automated": True}}]
    fake.add_app(app)
    code, out, _ = run(fake, monkeypatch, token, "history", "web")
    assert code == 0
    assert [line.split() for line in out.splitlines()] == [
        ["ID", "REVISION", "DEPLOYED", "BY"],
        ["1", OLD[:7], stamp(0), "ci"], ["2", REVISION[:7], stamp(60), "automated"]]
    code, out, _ = run(fake, monkeypatch, token, "history", "web", "-o", "json")
    assert [(e["id"], e["revision"]) for e in json.loads(out)] == [(1, OLD), (2, REVISION)]


def test_refresh_asks_for_a_normal_or_hard_refresh(fake, monkeypatch, token):
    fake.add_app(make_app("web"))
    code, out, _ = run(fake, monkeypatch, token, "refresh", "web")
    assert code == 0 and out.splitlines()[1].split()[:4] == ["web", "default", "OutOfSync",
                                                            "Healthy"]
    code, out, _ = run(fake, monkeypatch, token, "refresh", "web", "--hard", "-o", "json")
    assert code == 0 and json.loads(out)["name"] == "web"
    assert [c["query"]["refresh"] for c in fake.calls("ApplicationService_Get")] == [
        ["normal"], ["hard"]]


def test_logs_of_a_deployment_through_the_pod_logs_stream(fake, monkeypatch, token):
    fake.add_app(make_app("web"))
    fake.logs["web"] = {("Deployment", "web"): [("web-1", "listening on :8080"),
                                                ("web-2", "GET /healthz 200"),
                                                ("web-1", "GET / 200")]}
    code, out, _ = run(fake, monkeypatch, token, "logs", "web", "apps:Deployment:apps/web",
                       "--tail", "2")
    assert code == 0
    assert out.splitlines() == ["web-2: GET /healthz 200", "web-1: GET / 200"]
    query = fake.calls("ApplicationService_PodLogs2")[0]["query"]
    assert query == {"kind": ["Deployment"], "resourceName": ["web"], "group": ["apps"],
                     "namespace": ["apps"], "tailLines": ["2"], "follow": ["false"]}
    code, out, _ = run(fake, monkeypatch, token, "logs", "web", "apps:Deployment:web",
                       "-o", "json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(e["pod"], e["content"]) for e in lines][0] == ("web-1", "listening on :8080")
    code, _, err = run(fake, monkeypatch, token, "logs", "web", "Deployment/web")
    assert code == 2 and "GROUP:KIND" in err


def test_new_commands_exit_1_on_api_errors(fake, monkeypatch, token):
    for argv in (["get", "nope"], ["history", "nope"], ["refresh", "nope"],
                 ["logs", "nope", ":Pod:x"]):
        code, _, err = run(fake, monkeypatch, token, *argv)
        assert code == 1 and "not found" in err, argv
