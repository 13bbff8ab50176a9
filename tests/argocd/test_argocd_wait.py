"""Waiting through the watch stream, its interruptions, and the ways it ends."""
from __future__ import annotations

import time

import pytest
from argocd_fake import make_app, make_tree, stamp

from kustguard.argocd import Outcome, wait_for

FAST = {"reconnect_delay": 0.05, "poll_interval": 0.1, "idle_timeout": 1.0}


def _running(app: dict) -> None:
    app["status"]["health"]["status"] = "Progressing"


def _finished(phase: str = "Succeeded", health: str = "Progressing", reconciled: float = 10,
              message: str = "successfully synced (all tasks run)", results=None):
    def mutate(app: dict) -> None:
        app.pop("operation", None)
        status = app["status"]
        status["operationState"].update(phase=phase, finishedAt=stamp(10), message=message)
        if results is not None:
            synced = status["operationState"]["operation"]["sync"]["revision"]
            status["operationState"]["syncResult"] = {"revision": synced, "resources": results}
        if phase == "Succeeded":
            status["sync"]["status"] = "Synced"
            for res in status["resources"]:
                res["status"] = "Synced"
        status["health"]["status"] = health
        status["reconciledAt"] = stamp(reconciled)
    return mutate


def _healthy(app: dict) -> None:
    app["status"]["health"]["status"] = "Healthy"
    app["status"]["reconciledAt"] = stamp(11)


def _start(fake, client, name="web"):
    fake.add_app(make_app(name), tree=make_tree(name, health="Progressing"))
    return client.sync(name)


def _heal_tree(fake, name="web"):
    fake.trees[name] = make_tree(name)


def test_out_of_sync_to_synced_healthy_through_stream_events(fake, client):
    synced = _start(fake, client)
    fake.play([(0.1, lambda: fake.update("web", _running)),
               (0.1, lambda: fake.update("web", _finished())),
               (0.1, lambda: (_heal_tree(fake), fake.update("web", _healthy)))])
    result = wait_for(client, "web", timeout=5, app=synced, **FAST)
    assert result.outcome is Outcome.DONE and result.exit_code == 0
    assert result.app["status"]["health"]["status"] == "Healthy"
    assert not result.polled
    watches = fake.calls("ApplicationService_Watch")
    assert watches and watches[0]["query"] == {
        "name": ["web"], "resourceVersion": [synced["metadata"]["resourceVersion"]]}


def test_a_cut_stream_is_resumed_from_the_last_version(fake, client):
    synced = _start(fake, client)
    fake.stream_cuts = [1]  # the first connection dies after one event
    fake.play([(0.1, lambda: fake.update("web", _running)),
               (0.1, lambda: fake.update("web", _finished())),
               (0.1, lambda: (_heal_tree(fake), fake.update("web", _healthy)))])
    result = wait_for(client, "web", timeout=5, app=synced, **FAST)
    assert result.outcome is Outcome.DONE
    assert result.reconnects >= 1
    watches = fake.calls("ApplicationService_Watch")
    assert len(watches) >= 2
    first_rv = int(watches[0]["query"]["resourceVersion"][0])
    resumed_rv = int(watches[1]["query"]["resourceVersion"][0])
    assert resumed_rv > first_rv  # not from the start again


def test_degraded_names_the_failing_resources(fake, client):
    synced = _start(fake, client)

    def degrade() -> None:
        fake.trees["web"] = make_tree("web", health="Degraded",
                                      message="Deployment exceeded its progress deadline",
                                      pod_health="Degraded",
                                      pod_message="back-off restarting failed container")
        fake.update("web", _finished(health="Degraded"))
    fake.play([(0.1, degrade)])
    result = wait_for(client, "web", timeout=5, app=synced, **FAST)
    assert result.outcome is Outcome.DEGRADED and result.exit_code == 3
    refs = [p.ref for p in result.problems]
    assert refs == ["Deployment/apps/web", "Pod/apps/web-7d9f-abcde"]
    assert "Deployment/apps/web" in result.message and "Pod/apps/web-7d9f-abcde" in result.message
    assert "back-off restarting" in result.problems[1].describe()


def test_failed_operation_names_what_failed_to_sync(fake, client):
    synced = _start(fake, client)
    results = [{"group": "apps", "version": "v1", "kind": "Deployment", "namespace": "apps",
                "name": "web", "status": "SyncFailed",
                "message": "admission webhook denied the request"}]
    fake.play([(0.1, lambda: fake.update("web", _finished(
        phase="Failed", message="one or more objects failed to apply", results=results)))])
    result = wait_for(client, "web", timeout=5, app=synced, **FAST)
    assert result.outcome is Outcome.FAILED and result.exit_code == 4
    assert "one or more objects failed to apply" in result.message
    assert result.problems[0].ref == "Deployment/apps/web"
    assert result.problems[0].sync == "SyncFailed"


def test_timeout_without_terminate(fake, client):
    synced = _start(fake, client)
    started = time.monotonic()
    result = wait_for(client, "web", timeout=1, app=synced, **FAST)
    assert 0.9 < time.monotonic() - started < 3
    assert result.outcome is Outcome.TIMEOUT and result.exit_code == 5
    assert "timed out after 1s" in result.message
    assert "Deployment/apps/web" in result.message  # Progressing, named
    assert fake.calls("ApplicationService_TerminateOperation") == []
    assert fake.apps["web"]["status"]["operationState"]["phase"] == "Running"


def test_timeout_with_terminate(fake, client):
    synced = _start(fake, client)
    result = wait_for(client, "web", timeout=1, app=synced, terminate_on_timeout=True, **FAST)
    assert result.outcome is Outcome.TERMINATED and result.exit_code == 6
    assert "terminated" in result.message
    assert len(fake.calls("ApplicationService_TerminateOperation")) == 1


def test_polls_when_the_stream_is_unavailable(fake, client):
    fake.stream_enabled = False
    synced = _start(fake, client)
    fake.play([(0.1, lambda: fake.update("web", _finished())),
               (0.1, lambda: (_heal_tree(fake), fake.update("web", _healthy)))])
    result = wait_for(client, "web", timeout=5, app=synced, **FAST)
    assert result.outcome is Outcome.DONE and result.polled
    assert len(fake.calls("ApplicationService_Watch")) == 1
    assert len(fake.calls("ApplicationService_Get")) >= 2


def test_health_from_before_the_operation_ended_is_not_taken(fake, client):
    """Synced and Healthy, but reconciled before the sync finished: not done yet."""
    synced = _start(fake, client)
    _heal_tree(fake)
    fake.play([(0.1, lambda: fake.update("web", _finished(health="Healthy", reconciled=5))),
               (0.3, lambda: fake.update("web", _healthy))])
    result = wait_for(client, "web", timeout=5, app=synced, **FAST)
    assert result.outcome is Outcome.DONE
    assert result.app["status"]["reconciledAt"] == stamp(11)


def test_tree_health_is_required_too(fake, client):
    """The app says Healthy but a managed resource in the tree does not: wait."""
    synced = _start(fake, client)
    fake.play([(0.1, lambda: fake.update("web", _finished(health="Healthy", reconciled=12))),
               (0.3, lambda: (_heal_tree(fake), fake.update("web", _healthy)))])
    started = time.monotonic()
    result = wait_for(client, "web", timeout=5, app=synced, **FAST)
    assert result.outcome is Outcome.DONE
    assert time.monotonic() - started >= 0.3


def test_an_already_done_app_returns_at_once(fake, client):
    app = make_app("web", sync="Synced")
    app["status"]["operationState"] = {"phase": "Succeeded", "startedAt": stamp(0),
                                       "finishedAt": stamp(1)}
    app["status"]["reconciledAt"] = stamp(2)
    fake.add_app(app)
    result = wait_for(client, "web", timeout=2, **FAST)
    assert result.outcome is Outcome.DONE
    assert fake.calls("ApplicationService_Watch") == []


def test_timeout_must_be_positive(client):
    with pytest.raises(ValueError):
        wait_for(client, "web", timeout=0)
