"""Which operation a wait counts, one test per row of docs/argocd.md's table."""
from __future__ import annotations

import io
import time

from argocd_fake import REVISION, make_app, make_tree, stamp

from kustguard.argocd import Goal, Outcome, cli, wait_for
from kustguard.argocd.wait import now_utc

FAST = {"reconnect_delay": 0.05, "poll_interval": 0.1, "idle_timeout": 1.0}
OLD = "fedcba9876543210fedcba9876543210fedcba98"  # an earlier commit
NOW = lambda: now_utc().strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731 - the server's clock


def _with_history(app: dict) -> dict:
    app["status"]["history"] = [
        {"id": 1, "revision": OLD, "deployedAt": stamp(-100)},
        {"id": 2, "revision": REVISION, "deployedAt": stamp(0)}]
    return app


def _failed_at(revision: str, started: str) -> dict:
    operation = {"sync": {"revision": revision}, "initiatedBy": {"automated": True}}
    return {"phase": "Failed", "message": "one or more objects failed to apply",
            "startedAt": started, "finishedAt": started, "operation": operation,
            "syncResult": {"revision": revision, "resources": [
                {"kind": "Service", "namespace": "apps", "name": "web-metrics",
                 "status": "SyncFailed", "message": "spec.ports[0].port: Invalid value: 0"}]}}


def _run_operation(fake, name: str, revision: str, *, phase: str = "Succeeded",
                   sync: str = "Synced", delay: float = 0.2) -> None:
    """What the controller does: start an operation at ``revision`` now, end it."""
    def start(app: dict) -> None:
        operation = {"sync": {"revision": revision}, "initiatedBy": {"automated": True}}
        app["operation"] = operation
        app["status"]["operationState"] = {"phase": "Running", "startedAt": NOW(),
                                           "operation": operation}

    def finish(app: dict) -> None:
        app.pop("operation", None)
        state = app["status"]["operationState"]
        state.update(phase=phase, finishedAt=NOW(), message="done",
                     syncResult={"revision": revision})
        app["status"]["sync"]["status"] = sync
        app["status"]["health"]["status"] = "Healthy"
        app["status"]["reconciledAt"] = NOW()
    fake.play([(delay, lambda: fake.update(name, start)),
               (delay, lambda: fake.update(name, finish))])


def test_push_that_fixes_a_failed_sync_waits_for_the_new_operation(fake, client):
    """Target moved to the fix; the failure was at the old revision: keep
    waiting for auto-sync, do not exit 4 at once."""
    app = make_app("web", sync="OutOfSync")
    app["status"]["operationState"] = _failed_at(OLD, stamp(-50))
    fake.add_app(app)
    _run_operation(fake, "web", REVISION, delay=0.3)
    started = time.monotonic()
    result = wait_for(client, "web", timeout=5, **FAST)
    assert result.outcome is Outcome.DONE, result.message
    assert time.monotonic() - started >= 0.5  # it waited for the new operation
    assert result.app["status"]["operationState"]["syncResult"]["revision"] == REVISION


def test_no_op_revert_after_a_failure_is_done_at_once(fake, client):
    """Synced and Healthy at the reverted target; the failed operation synced
    another revision before the wait: it does not count."""
    app = make_app("web", sync="Synced")
    app["status"]["operationState"] = _failed_at(OLD, stamp(-50))
    fake.add_app(app)
    result = wait_for(client, "web", timeout=2, **FAST)
    assert result.outcome is Outcome.DONE and result.exit_code == 0, result.message
    assert fake.calls("ApplicationService_Watch") == []


def test_a_failure_at_the_current_target_counts_even_from_before_the_wait(fake, client):
    app = make_app("web", sync="OutOfSync")
    app["status"]["operationState"] = _failed_at(REVISION, stamp(-50))
    fake.add_app(app)
    result = wait_for(client, "web", timeout=2, **FAST)
    assert result.outcome is Outcome.FAILED and result.exit_code == 4
    assert "Service/apps/web-metrics" in result.message


def test_an_operation_started_after_the_wait_began_counts_whatever_its_revision(fake, client):
    app = make_app("web", sync="Synced")
    fake.add_app(app)
    _run_operation(fake, "web", OLD, phase="Failed", sync="OutOfSync", delay=0.1)
    result = wait_for(client, "web", timeout=3, since=now_utc(), app=fake.update(
        "web", lambda a: a.update(operation={"sync": {"revision": OLD}})), **FAST)
    assert result.outcome is Outcome.FAILED


def test_degraded_before_a_pending_sync_is_not_the_verdict(fake, client):
    """OutOfSync and Degraded, last operation older than the target: the sync
    to come may fix it, so the wait does not end Degraded (3) at once."""
    app = make_app("web", sync="OutOfSync", health="Degraded")
    app["status"]["operationState"] = _failed_at(OLD, stamp(-50))
    fake.add_app(app, tree=make_tree("web", health="Degraded"))
    result = wait_for(client, "web", timeout=0.6, **FAST)
    assert result.outcome is Outcome.TIMEOUT


def _rollback_app(fake) -> None:
    app = _with_history(make_app("web", sync="Synced"))
    app["status"]["operationState"] = {"phase": "Succeeded", "startedAt": stamp(0),
                                       "finishedAt": stamp(1),
                                       "syncResult": {"revision": REVISION}}
    fake.add_app(app)

    def finish(app: dict) -> None:
        app.pop("operation", None)
        state = app["status"]["operationState"]
        state.update(phase="Succeeded", finishedAt=NOW(), syncResult={"revision": OLD})
        app["status"]["sync"]["status"] = "OutOfSync"  # by design after a rollback
        app["status"]["health"]["status"] = "Healthy"
        app["status"]["reconciledAt"] = NOW()
    fake.on_rollback = lambda name: fake.play([(0.2, lambda: fake.update(name, finish))])


def test_rollback_wait_ends_on_a_succeeded_operation_and_health_not_sync(fake, client):
    _rollback_app(fake)
    since = now_utc()
    app = client.rollback("web", 1)
    result = wait_for(client, "web", timeout=3, app=app, goal=Goal.OPERATION, since=since,
                      **FAST)
    assert result.outcome is Outcome.DONE, result.message
    assert result.app["status"]["sync"]["status"] == "OutOfSync"
    assert result.app["status"]["operationState"]["syncResult"]["revision"] == OLD
    # The same state under the converge goal is not done: OutOfSync.
    assert wait_for(client, "web", timeout=0.4, **FAST).outcome is Outcome.TIMEOUT


def test_cli_rollback_wait_exits_0(fake, monkeypatch, token):
    _rollback_app(fake)
    monkeypatch.setenv("ARGOCD_SERVER", fake.url)
    monkeypatch.setenv("ARGOCD_AUTH_TOKEN", token)
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["argocd", "rollback", "web", "1", "--wait", "--timeout", "5"],
                    stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    assert "done: web: operation Succeeded, Healthy" in out.getvalue()
