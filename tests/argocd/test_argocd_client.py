"""The session and operations against the spec-checked fake Argo CD."""
from __future__ import annotations

import json
import logging

import pytest
from argocd_fake import UNAVAILABLE, make_app, make_tree

from kustguard.argocd import (
    ArgoCD,
    InvalidResponse,
    NotFound,
    OperationInProgress,
    PermissionDenied,
    RetryPolicy,
    ServerError,
    Session,
    SyncResource,
    TLSError,
    TransportError,
    Unauthenticated,
)

PASSWORD = "correct-horse-battery"


def test_version_and_list_with_selector_and_projects(fake, client):
    fake.add_app(make_app("web", project="k3d"))
    other = make_app("db", project="k3d")
    other["metadata"]["labels"] = {"kustguard.io/environment": "gke"}
    fake.add_app(other)
    fake.add_app(make_app("api", project="gke"))
    assert client.version()["Version"].startswith("v3.2.12")
    apps = client.list_applications(selector="kustguard.io/environment=k3d", projects=["k3d"])
    assert [a["metadata"]["name"] for a in apps] == ["web"]
    listed = fake.calls("ApplicationService_List")[0]
    assert listed["query"] == {"selector": ["kustguard.io/environment=k3d"], "projects": ["k3d"]}


def test_get_with_refresh_and_bearer_token(fake, client, token):
    fake.add_app(make_app("web"))
    assert client.get("web", refresh="hard")["metadata"]["name"] == "web"
    call = fake.calls("ApplicationService_Get")[0]
    assert call["query"] == {"refresh": ["hard"]}
    assert call["authorization"] == f"Bearer {token}"
    with pytest.raises(ValueError):
        client.get("web", refresh="soft")


def test_login_with_username_and_password(fake, make_client):
    fake.add_app(make_app("web"))
    client = make_client(username="admin", password=PASSWORD)
    client.get("web")
    login = fake.calls("SessionService_Create")
    assert len(login) == 1
    assert json.loads(login[0]["body"]) == {"username": "admin", "password": PASSWORD}
    assert fake.calls("ApplicationService_Get")[0]["authorization"].startswith("Bearer ey")


def test_wrong_password_is_unauthenticated(fake, make_client):
    client = make_client(username="admin", password="nope")
    with pytest.raises(Unauthenticated, match="Invalid username or password"):
        client.get("web")


def test_expired_token_logs_in_again_once(fake, make_client, token):
    fake.add_app(make_app("web"))
    client = make_client(token=token, username="admin", password=PASSWORD)
    client.get("web")
    fake.tokens.discard(token)  # the token expires
    assert client.get("web")["metadata"]["name"] == "web"
    gets = fake.calls("ApplicationService_Get")
    assert len(gets) == 3  # ok, 401, retried with the new token
    assert len(fake.calls("SessionService_Create")) == 1
    assert gets[2]["authorization"] != f"Bearer {token}"


def test_expired_token_without_credentials_fails_typed(fake, make_client, token):
    fake.add_app(make_app("web"))
    client = make_client(token=token)
    fake.tokens.discard(token)
    with pytest.raises(Unauthenticated) as info:
        client.get("web")
    assert info.value.status == 401 and info.value.code == 16
    assert "token is expired" in info.value.message
    assert len(fake.calls("SessionService_Create")) == 0


def test_sync_wire_format(fake, client):
    fake.add_app(make_app("web"))
    app = client.sync("web", revision="main", prune=True, dry_run=True,
                      resources=[SyncResource.parse("apps:Deployment:apps/web"),
                                 SyncResource.parse(":Service:web")],
                      sync_options=["ServerSideApply=true", "PruneLast=true"],
                      strategy="hook", force=True, retry=RetryPolicy(3, "5s", 2, "1m"))
    assert app["status"]["operationState"]["phase"] == "Running"
    assert fake.sync_bodies == [{
        "name": "web", "revision": "main", "prune": True, "dryRun": True,
        "resources": [{"group": "apps", "kind": "Deployment", "name": "web", "namespace": "apps"},
                      {"group": "", "kind": "Service", "name": "web"}],
        "syncOptions": {"items": ["ServerSideApply=true", "PruneLast=true"]},
        # The server's real shape: force inline under hook (not hook.syncStrategyApply).
        "strategy": {"hook": {"force": True}},
        "retryStrategy": {"limit": 3, "backoff": {"duration": "5s", "factor": 2,
                                                  "maxDuration": "1m"}},
    }]


def test_sync_apply_strategy_and_minimal_body(fake, client):
    fake.add_app(make_app("web"))
    client.sync("web", strategy="apply")
    fake.update("web", lambda a: a.pop("operation"))
    client.sync("web")
    assert fake.sync_bodies == [
        {"name": "web", "prune": False, "dryRun": False, "strategy": {"apply": {}}},
        {"name": "web", "prune": False, "dryRun": False}]
    with pytest.raises(ValueError):
        client.sync("web", strategy="replace")
    with pytest.raises(ValueError, match="GROUP:KIND"):
        SyncResource.parse("Deployment/web")


def test_sync_rejected_while_an_operation_runs(fake, client):
    fake.add_app(make_app("web"))
    client.sync("web")
    with pytest.raises(OperationInProgress) as info:
        client.sync("web")
    assert info.value.code == 9 and info.value.status == 400
    assert "another operation is already in progress" in str(info.value)
    assert "terminate" in info.value.hint


def test_503_on_get_is_retried(fake, client):
    fake.add_app(make_app("web"))
    fake.fail("ApplicationService_Get", *UNAVAILABLE, times=2)
    assert client.get("web")["metadata"]["name"] == "web"
    assert len(fake.calls("ApplicationService_Get")) == 3


def test_503_before_the_sync_acted_is_sent_once_more(fake, client):
    """The app shows no new operation: the sync did not happen, so it is sent
    again (once)."""
    fake.add_app(make_app("web"))
    fake.fail("ApplicationService_Sync", *UNAVAILABLE, times=1)
    app = client.sync("web")
    assert app["operation"]["sync"]["revision"]
    assert len(fake.calls("ApplicationService_Sync")) == 2
    assert len(fake.sync_bodies) == 1  # one sync carried out


@pytest.mark.parametrize("failure", [dict(status=503, code=14, message="unavailable"),
                                     dict(status=502, drop=True)],
                         ids=["503", "dropped connection"])
def test_a_sync_that_acted_despite_the_error_is_not_sent_again(fake, client, failure):
    fake.add_app(make_app("web"))
    fake.fail("ApplicationService_Sync", times=1, after=True, **failure)
    app = client.sync("web", prune=True)
    assert app["operation"]["sync"]["prune"] is True  # the one that ran
    assert len(fake.calls("ApplicationService_Sync")) == 1  # never a duplicate
    assert len(fake.calls("ApplicationService_Get")) == 1  # looked before retrying


def test_rollback_that_acted_despite_a_503_is_not_sent_again(fake, client):
    fake.add_app(make_app("web"))
    fake.fail("ApplicationService_Rollback", *UNAVAILABLE, times=1, after=True)
    assert client.rollback("web", 1)["operation"]
    assert len(fake.calls("ApplicationService_Rollback")) == 1


def test_a_sync_that_fails_twice_without_acting_reports_the_error(fake, client):
    fake.add_app(make_app("web"))
    fake.fail("ApplicationService_Sync", *UNAVAILABLE, times=2)
    with pytest.raises(ServerError) as info:
        client.sync("web")
    assert info.value.status == 503 and info.value.code == 14
    assert len(fake.calls("ApplicationService_Sync")) == 2
    assert "operation" not in fake.apps["web"]


def test_when_the_app_cannot_be_read_the_error_says_it_is_unknown(fake, make_client, token):
    fake.add_app(make_app("web"))
    client = make_client(token=token, retries=0)
    fake.fail("ApplicationService_Sync", *UNAVAILABLE, times=1, after=True)
    fake.fail("ApplicationService_Get", *UNAVAILABLE, times=1)
    with pytest.raises(ServerError) as info:
        client.sync("web")
    assert "unknown whether the operation started" in str(info.value)
    assert len(fake.calls("ApplicationService_Sync")) == 1


def test_retries_give_up_with_the_last_error(fake, make_client, token):
    fake.add_app(make_app("web"))
    client = make_client(token=token, retries=2)
    fake.fail("ApplicationService_Get", *UNAVAILABLE, times=5)
    with pytest.raises(ServerError):
        client.get("web")
    assert len(fake.calls("ApplicationService_Get")) == 3


def test_403_and_404_are_told_apart(fake, client):
    fake.add_app(make_app("web", project="k3d"))
    fake.forbidden.add("secret-app")
    with pytest.raises(PermissionDenied) as denied:
        client.get("secret-app")
    assert denied.value.status == 403 and "does not say which" in denied.value.hint
    with pytest.raises(NotFound) as missing:
        client.get("web", project="gke")
    assert missing.value.project == "gke"
    assert "belongs to another project" in str(missing.value)
    assert client.get("web", project="k3d")["spec"]["project"] == "k3d"


def test_invalid_json_is_typed(fake, client):
    fake.add_app(make_app("web"))
    fake.fail("ApplicationService_Get", 200, raw=b"<html>Sign in</html>")
    with pytest.raises(InvalidResponse, match="expected JSON, got text/html"):
        client.get("web")


def test_connection_errors_are_retried_then_typed(spec):
    from argocd_fake import FakeArgoCD
    server = FakeArgoCD(spec)
    url = server.url
    server.stop()
    client = ArgoCD(Session(url, token="tok-abcdef", retries=2, backoff=0.01, connect_timeout=0.5))
    with pytest.raises(TransportError, match="cannot reach"):
        client.get("web")


def test_tree_managed_resources_and_diff(fake, client):
    live = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": 1}}
    target = {**live, "spec": {"replicas": 3}}
    managed = [
        {"group": "apps", "kind": "Deployment", "namespace": "apps", "name": "web",
         "normalizedLiveState": json.dumps(live), "predictedLiveState": json.dumps(target),
         "modified": True},
        {"kind": "Service", "namespace": "apps", "name": "web",
         "normalizedLiveState": json.dumps({"kind": "Service"}),
         "predictedLiveState": json.dumps({"kind": "Service"}), "modified": False},
        {"kind": "ConfigMap", "namespace": "apps", "name": "new",
         "predictedLiveState": json.dumps({"kind": "ConfigMap"}), "modified": True},
    ]
    fake.add_app(make_app("web"), tree=make_tree("web"), managed=managed)
    assert [n["kind"] for n in client.resource_tree("web")["nodes"]] == ["Deployment", "Service"]
    diffs = client.diff("web")
    assert [(d.ref, d.change) for d in diffs] == [("Deployment/apps/web", "modified"),
                                                  ("ConfigMap/apps/new", "added")]
    assert "-  replicas: 1\n+  replicas: 3" in diffs[0].text


def test_rollback_terminate_delete(fake, client):
    fake.add_app(make_app("web"))
    app = client.rollback("web", 1, prune=True)
    assert app["operation"]["sync"]["prune"] is True
    client.terminate("web")
    client.delete("web", cascade=True, propagation_policy="foreground")
    call = fake.calls("ApplicationService_Delete")[0]
    assert call["query"] == {"cascade": ["true"], "propagationPolicy": ["foreground"]}
    assert "web" not in fake.apps


def test_a_call_outside_the_spec_fails_the_test(fake, client):
    """The fake rejects endpoints the swagger lacks, and records them."""
    with pytest.raises(NotFound):
        client.session.request("GET", "/api/v1/applications/web/status")
    assert fake.violations == [
        "GET /api/v1/applications/web/status: no such endpoint in the spec"]
    fake.violations.clear()  # expected here; any other test would fail on it


def test_tls_refused_by_default_accepted_with_ca_bundle(tls_fake, tls_files):
    tls_fake.add_app(make_app("web"))
    token = tls_fake.issue_token()
    with pytest.raises(TLSError, match="certificate verify failed") as info:
        ArgoCD(Session(tls_fake.url, token=token, retries=0)).get("web")
    assert "--ca-bundle" in info.value.hint
    trusted = ArgoCD(Session(tls_fake.url, token=token, ca_bundle=tls_files["ca"]))
    assert trusted.get("web")["metadata"]["name"] == "web"
    insecure = ArgoCD(Session(tls_fake.url, token=token, insecure=True))
    assert insecure.get("web")["metadata"]["name"] == "web"
    with pytest.raises(ValueError):
        Session(tls_fake.url, ca_bundle=tls_files["ca"], insecure=True)


def test_server_addresses():
    assert Session("argocd.example.com").base_url == "https://argocd.example.com"
    assert Session("argocd:8080", plaintext=True).base_url == "http://argocd:8080"
    assert Session("https://argocd.example.com/").base_url == "https://argocd.example.com"
    with pytest.raises(ValueError):
        Session("ftp://argocd")
    with pytest.raises(ValueError, match="ARGOCD_SERVER"):
        Session.from_env(environ={})


def test_token_never_appears_in_errors_or_logs(fake, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    secret = fake.issue_token()
    client = make_client(token=secret, username="admin", password=PASSWORD, retries=1)
    fake.add_app(make_app("web"))
    errors = []
    # A server error that echoes the token back (some proxies do).
    fake.fail("ApplicationService_Get", 500, 13, f"bad bearer {secret}")
    fake.fail("ApplicationService_Sync", 503, 14, f"token {PASSWORD} {secret}", times=2)
    fake.fail("ApplicationService_ResourceTree", 200, raw=secret.encode())
    fake.forbidden.add("hidden")
    for call in (lambda: client.get("web"), lambda: client.sync("web"),
                 lambda: client.resource_tree("web"), lambda: client.get("hidden")):
        with pytest.raises(Exception) as info:
            call()
        errors.append(info.value)
    fake.tokens.clear()
    fake.users.clear()  # the re-login fails too
    with pytest.raises(Unauthenticated) as info:
        client.get("web")
    errors.append(info.value)
    texts = [str(e) for e in errors] + [repr(e) for e in errors] + [repr(client.session)]
    texts.append(caplog.text)
    assert "bad bearer ***" in texts[0]
    for text in texts:
        assert secret not in text and PASSWORD not in text
