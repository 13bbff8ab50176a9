"""`kustguard argocd ...`: output, exit codes, and no secret in any output."""
from __future__ import annotations

import argparse
import io
import json
import logging
import time

import pytest
from argocd_fake import make_app, make_tree, stamp

from kustguard.argocd import cli


def run(fake, monkeypatch, *argv, token=None):
    monkeypatch.setenv("ARGOCD_SERVER", fake.url)
    monkeypatch.delenv("ARGOCD_USERNAME", raising=False)
    monkeypatch.delenv("ARGOCD_PASSWORD", raising=False)
    if token:
        monkeypatch.setenv("ARGOCD_AUTH_TOKEN", token)
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["argocd", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _done_app(name="web"):
    app = make_app(name, sync="Synced")
    app["status"]["operationState"] = {"phase": "Succeeded", "startedAt": stamp(0),
                                       "finishedAt": stamp(1)}
    app["status"]["reconciledAt"] = stamp(2)
    return app


def test_register_adds_the_group_to_any_parser():
    parser = argparse.ArgumentParser(prog="kustguard")
    cli.register(parser.add_subparsers(dest="command"))
    extra = {"rollback": ["1"], "logs": [":Pod:web-1"]}
    for command in ("status", "sync", "wait", "diff", "rollback", "terminate", "get",
                    "history", "refresh", "logs"):
        args = parser.parse_args(["argocd", command, "web", *extra.get(command, [])])
        assert callable(args.handler)
    assert callable(parser.parse_args(["argocd", "list"]).handler)


def test_status_table_and_json(fake, monkeypatch, token):
    fake.add_app(_done_app("web"))
    bad = make_app("api", health="Degraded")
    fake.add_app(bad, tree=make_tree("api", health="Degraded", message="deadline exceeded"))
    code, out, _ = run(fake, monkeypatch, "status", "web", token=token)
    assert code == 0
    header, row = out.splitlines()[:2]
    assert header.split() == ["NAME", "PROJECT", "SYNC", "HEALTH", "REVISION", "LAST", "SYNC",
                              "OPERATION"]
    assert row.split() == ["web", "default", "Synced", "Healthy", "0123456",
                           "2026-01-01T10:00:01Z", "Succeeded"]
    code, out, _ = run(fake, monkeypatch, "status", "web", "api", token=token)
    assert code == 1
    assert "Failing resources of api:" in out
    assert "Deployment/apps/api (Degraded): deadline exceeded" in out
    code, out, _ = run(fake, monkeypatch, "status", "api", "--format", "json", token=token)
    data = json.loads(out)
    assert code == 1 and data[0]["health"] == "Degraded"
    assert data[0]["problems"][0]["ref"] == "Deployment/apps/api"


def test_sync_and_wait_until_healthy(fake, monkeypatch, token):
    fake.add_app(make_app("web"), tree=make_tree("web"))

    def finish(app):
        app.pop("operation")
        app["status"]["operationState"].update(phase="Succeeded", finishedAt=stamp(3))
        app["status"]["sync"]["status"] = "Synced"
        app["status"]["reconciledAt"] = stamp(4)
    fake.on_sync = lambda name: fake.play([(0.1, lambda: fake.update(name, finish))])
    code, out, err = run(fake, monkeypatch, "sync", "web", "--prune", "--strategy", "hook",
                         "--force", "--sync-option", "PruneLast=true", "--resource",
                         "apps:Deployment:apps/web", "--wait", "--timeout", "5", token=token)
    assert code == 0, err
    assert "done: web is Synced and Healthy" in out
    assert "web: sync OutOfSync, health Healthy, operation Running" in err
    assert fake.sync_bodies[0]["strategy"] == {"hook": {"force": True}}
    assert fake.sync_bodies[0]["syncOptions"] == {"items": ["PruneLast=true"]}


def test_wait_degraded_exit_code_and_names(fake, monkeypatch, token):
    app = make_app("web", sync="Synced", health="Degraded")
    app["status"]["operationState"] = {"phase": "Succeeded", "finishedAt": stamp(1)}
    fake.add_app(app, tree=make_tree("web", health="Degraded", message="progress deadline"))
    code, out, err = run(fake, monkeypatch, "wait", "web", "--timeout", "2", token=token)
    assert code == 3
    assert "degraded: web is Degraded; failing: Deployment/apps/web" in err
    code, out, _ = run(fake, monkeypatch, "wait", "web", "--timeout", "2", "--format", "json",
                       token=token)
    data = json.loads(out)
    assert code == 3 and data["outcome"] == "degraded" and data["exitCode"] == 3


def test_wait_timeout_and_terminate_codes(fake, monkeypatch, token):
    fake.add_app(make_app("web"))
    fake.update("web", lambda a: a["status"].update(operationState={
        "phase": "Running", "startedAt": stamp(0)}))
    code, _, err = run(fake, monkeypatch, "wait", "web", "--timeout", "1", token=token)
    assert code == 5 and "timed out after 1s" in err
    code, _, err = run(fake, monkeypatch, "wait", "web", "--timeout", "1",
                       "--terminate-on-timeout", token=token)
    assert code == 6 and "terminated" in err


def test_diff_exit_codes(fake, monkeypatch, token):
    same = json.dumps({"kind": "Service"})
    fake.add_app(make_app("same"), managed=[{"kind": "Service", "name": "same",
                                            "normalizedLiveState": same,
                                            "predictedLiveState": same}])
    fake.add_app(make_app("web"), managed=[{
        "kind": "ConfigMap", "namespace": "apps", "name": "cfg", "modified": True,
        "normalizedLiveState": json.dumps({"data": {"a": "1"}}),
        "predictedLiveState": json.dumps({"data": {"a": "2"}})}])
    code, out, _ = run(fake, monkeypatch, "diff", "same", token=token)
    assert code == 0 and "matches the target" in out
    code, out, _ = run(fake, monkeypatch, "diff", "web", token=token)
    assert code == 1 and "ConfigMap/apps/cfg  modified" in out and "+  a: '2'" in out


def test_rollback_and_terminate(fake, monkeypatch, token):
    fake.add_app(make_app("web"))
    code, out, _ = run(fake, monkeypatch, "rollback", "web", "1", token=token)
    assert code == 0 and "rollback started" in out
    code, out, _ = run(fake, monkeypatch, "terminate", "web", "--format", "json", token=token)
    assert code == 0 and json.loads(out) == {"terminated": "web"}
    for _ in range(50):  # the fake ends the operation a moment later
        if "operation" not in fake.apps["web"]:
            break
        time.sleep(0.02)
    code, _, err = run(fake, monkeypatch, "rollback", "web", "9", token=token)
    assert code == 1 and "BadRequest" in err


def test_api_errors_exit_1_and_usage_errors_exit_2(fake, monkeypatch, token):
    fake.add_app(make_app("web"))
    code, _, err = run(fake, monkeypatch, "status", "nope", token=token)
    assert code == 1 and "PermissionDenied" not in err and "not found" in err
    code, _, err = run(fake, monkeypatch, "sync", "web", "--resource", "Deployment/web",
                       token=token)
    assert code == 2 and "GROUP:KIND" in err
    monkeypatch.delenv("ARGOCD_SERVER")
    assert cli.main(["argocd", "status", "web"], stdout=io.StringIO(),
                    stderr=io.StringIO()) == 2
    assert cli.main(["argocd", "status"], stdout=io.StringIO(), stderr=io.StringIO()) == 2


def test_the_token_is_never_printed(fake, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    secret = fake.issue_token()
    fake.add_app(make_app("web"))
    fake.fail("ApplicationService_Get", 500, 13, f"cannot verify {secret}")
    fake.fail("ApplicationService_Sync", 502, 14, f"upstream said {secret}")
    outputs = []
    for argv in (["status", "web"], ["sync", "web"], ["wait", "web", "--timeout", "1"]):
        outputs.extend(run(fake, monkeypatch, *argv, token=secret)[1:])
    fake.tokens.clear()  # expired, and no credentials to log in again
    code, out, err = run(fake, monkeypatch, "status", "web", "--format", "json", token=secret)
    assert code == 1 and "Unauthenticated" in err
    outputs += [out, err, caplog.text]
    assert any("cannot verify ***" in text for text in outputs)
    for text in outputs:
        assert secret not in text
