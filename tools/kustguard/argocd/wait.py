"""Wait until an application is really done, or say why it is not.

"Done" (goal ``CONVERGE``, for ``sync --wait`` and ``wait``) means all of: no
``operation`` requested, sync status ``Synced``, health ``Healthy`` both at
app level and for every managed resource in the resource tree, and, if the
last operation is current, that it ended in a terminal phase and the app
was reconciled after it finished (so a health computed before the rollout
started is not taken for the result). For a rollback (goal ``OPERATION``)
the app is OutOfSync by design, so done means: the operation ended
Succeeded and the app is Healthy.

An operation is *current* when it syncs the revision the app now targets,
or it started once the wait (or the sync it follows) began; an older one is
ignored, so a failure that a later push fixes, or that a no-op revert leaves
behind, is not reported. docs/argocd.md has the full table.

The waiter watches ``/api/v1/stream/applications`` from the app's
``resourceVersion``. A dropped or silent stream is reopened after a fresh
``GET`` (which also covers events sent while no stream was open); a server
without the stream endpoint, or one that keeps dropping it, is polled.
"""
from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kustguard.argocd.client import ArgoCD
from kustguard.argocd.errors import (
    ArgoCDError,
    ServerError,
    StreamInterrupted,
    StreamUnavailable,
    TransportError,
)
from kustguard.argocd.operations import (
    now_utc,
    operation_is_current,
    operation_running,
    parse_time,
    resource_version,
    status_of,
)
from kustguard.argocd.status import (
    FAILED_PHASES,
    TERMINAL_PHASES,
    ResourceProblem,
    sync_problems,
    tree_is_healthy,
    tree_problems,
)

log = logging.getLogger("kustguard.argocd")


class Outcome(enum.Enum):
    """How a wait ended, with the CLI exit code of each case."""

    DONE = ("done", 0)
    DEGRADED = ("degraded", 3)
    FAILED = ("failed", 4)
    TIMEOUT = ("timeout", 5)
    TERMINATED = ("terminated", 6)  # timed out, and the running operation was stopped

    @property
    def label(self) -> str:
        return self.value[0]

    @property
    def exit_code(self) -> int:
        return self.value[1]


@dataclass
class WaitResult:
    outcome: Outcome
    app: dict[str, Any]
    message: str
    problems: list[ResourceProblem] = field(default_factory=list)
    reconnects: int = 0
    polled: bool = False

    @property
    def exit_code(self) -> int:
        return self.outcome.exit_code

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.DONE


class Goal(enum.Enum):
    """What "done" means for a wait."""

    CONVERGE = "converge"  # Synced and Healthy at the current target (sync, wait)
    OPERATION = "operation"  # the operation ended Succeeded, the app Healthy (rollback)


def _reconciled_after_operation(status: dict) -> bool:
    op_state = status.get("operationState") or {}
    finished = parse_time(op_state.get("finishedAt"))
    reconciled = parse_time(status.get("reconciledAt"))
    return not (finished and reconciled and reconciled < finished)


def quick_verdict(app: dict, since: datetime | None = None,
                  goal: Goal = Goal.CONVERGE) -> Outcome | None:
    """The verdict the Application object alone allows; None means keep waiting.

    An operation counts only when :func:`operation_is_current`; an older one
    (a failure the push being waited for fixes, a failure a no-op revert left
    behind) is ignored. ``DONE`` here is a candidate: the waiter confirms it
    against the tree.
    """
    if operation_running(app):
        return None
    status = status_of(app)
    phase = (status.get("operationState") or {}).get("phase")
    current = operation_is_current(app, since)
    health = (status.get("health") or {}).get("status")
    synced = (status.get("sync") or {}).get("status") == "Synced"
    if goal is Goal.OPERATION:
        if not current:
            return None  # the operation waited for has not shown yet
        if phase in FAILED_PHASES:
            return Outcome.FAILED
        if phase != "Succeeded":
            return None
        if health == "Degraded":
            return Outcome.DEGRADED
        if health != "Healthy" or not _reconciled_after_operation(status):
            return None
        return Outcome.DONE
    if current and phase in FAILED_PHASES:
        return Outcome.FAILED
    if health == "Degraded" and (synced or current):
        return Outcome.DEGRADED
    if not synced or health != "Healthy":
        return None
    if current and (phase not in TERMINAL_PHASES or not _reconciled_after_operation(status)):
        return None  # health and sync predate the end of the operation
    return Outcome.DONE


class Waiter:
    """One wait on one app. Time comes from ``clock``/``sleep`` (monotonic)."""

    def __init__(self, client: ArgoCD, name: str, *, timeout: float,
                 terminate_on_timeout: bool = False, project: str | None = None,
                 goal: Goal = Goal.CONVERGE, since: datetime | None = None,
                 poll_interval: float = 2.0, idle_timeout: float = 30.0,
                 reconnect_delay: float = 0.5, max_stream_failures: int = 5,
                 on_update: Callable[[dict], None] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.client = client
        self.name = name
        self.timeout = timeout
        self.terminate_on_timeout = terminate_on_timeout
        self.project = project
        self.goal = goal
        self.since = since
        self.poll_interval = poll_interval
        self.idle_timeout = idle_timeout
        self.reconnect_delay = reconnect_delay
        self.max_stream_failures = max_stream_failures
        self.on_update = on_update
        self.clock = clock
        self.sleep = sleep
        self.reconnects = 0
        self.polled = False
        self._deadline = 0.0

    # -- the loop ------------------------------------------------------------
    def run(self, app: dict | None = None) -> WaitResult:
        """Wait from ``app`` (e.g. what the sync returned), or a fresh GET."""
        if self.since is None:
            self.since = now_utc()
        self._deadline = self.clock() + self.timeout
        if app is None:
            app = self.client.get(self.name, project=self.project)
        self._seen(app)
        streaming = True
        failures = 0
        while True:
            result = self._verdict(app)
            if result is not None:
                return result
            if self._remaining() <= 0:
                return self._timed_out(app)
            if streaming:
                try:
                    for kind, new_app in self.client.watch(
                            self.name, resource_version=resource_version(app),
                            idle_timeout=max(0.05, min(self.idle_timeout, self._remaining()))):
                        failures = 0
                        if kind == "DELETED":
                            return WaitResult(Outcome.FAILED, new_app,
                                              f"application {self.name} was deleted",
                                              reconnects=self.reconnects, polled=self.polled)
                        app = new_app
                        self._seen(app)
                        result = self._verdict(app)
                        if result is not None:
                            return result
                        if self._remaining() <= 0:
                            return self._timed_out(app)
                except StreamUnavailable as exc:
                    log.info("watch stream unavailable (%s); polling instead", exc.message)
                    streaming = False
                    self.polled = True
                    continue
                except (StreamInterrupted, TransportError, ServerError) as exc:
                    failures += 1
                    log.info("watch stream interrupted (%s); reconnecting", exc.message)
                    if failures >= self.max_stream_failures:
                        log.info("the stream keeps failing; polling instead")
                        streaming = False
                        self.polled = True
                self.reconnects += 1
                self._pause(self.reconnect_delay)
            else:
                self._pause(self.poll_interval)
            app = self._refresh(app)

    # -- helpers -------------------------------------------------------------
    def _remaining(self) -> float:
        return self._deadline - self.clock()

    def _pause(self, seconds: float) -> None:
        delay = min(seconds, max(0.0, self._remaining()))
        if delay > 0:
            self.sleep(delay)

    def _seen(self, app: dict) -> None:
        if self.on_update is not None:
            self.on_update(app)

    def _refresh(self, app: dict) -> dict:
        """A fresh GET; a passing outage keeps the last known state."""
        try:
            fresh = self.client.get(self.name, project=self.project)
        except (TransportError, ServerError) as exc:
            log.info("could not refresh %s (%s); will try again", self.name, exc.message)
            return app
        self._seen(fresh)
        return fresh

    def _tree(self) -> dict | None:
        try:
            return self.client.resource_tree(self.name, project=self.project)
        except ArgoCDError as exc:
            log.info("could not read the resource tree of %s: %s", self.name, exc.message)
            return None

    def _result(self, outcome: Outcome, app: dict, message: str,
                problems: list[ResourceProblem]) -> WaitResult:
        return WaitResult(outcome, app, message, problems, reconnects=self.reconnects,
                          polled=self.polled)

    def _verdict(self, app: dict) -> WaitResult | None:
        verdict = quick_verdict(app, self.since, self.goal)
        if verdict is None:
            return None
        if verdict is Outcome.DONE:
            tree = self._tree()
            if tree is None or not tree_is_healthy(tree):
                return None  # the app-level status is ahead of the tree; keep waiting
            done = (f"{self.name}: operation Succeeded, Healthy" if self.goal is Goal.OPERATION
                    else f"{self.name} is Synced and Healthy")
            return self._result(Outcome.DONE, app, done, [])
        problems = tree_problems(self._tree(), include_progressing=False)
        if verdict is Outcome.FAILED:
            op_state = status_of(app).get("operationState") or {}
            problems = sync_problems(app) + problems
            message = (f"{self.name}: operation {op_state.get('phase', 'Failed')}: "
                       f"{op_state.get('message') or 'no message'}")
        else:
            message = f"{self.name} is Degraded"
        return self._result(verdict, app, _with_names(message, problems), problems)

    def _timed_out(self, app: dict) -> WaitResult:
        problems = tree_problems(self._tree()) + sync_problems(app)
        status = status_of(app)
        state = (f"sync {(status.get('sync') or {}).get('status', 'Unknown')}, health "
                 f"{(status.get('health') or {}).get('status', 'Unknown')}")
        message = f"{self.name}: timed out after {self.timeout:g}s ({state})"
        if self.terminate_on_timeout and operation_running(app):
            try:
                self.client.terminate(self.name, project=self.project)
            except ArgoCDError as exc:
                message += f"; terminating the operation failed: {exc.message}"
                return self._result(Outcome.TIMEOUT, app, _with_names(message, problems),
                                    problems)
            message += "; the running operation was terminated"
            return self._result(Outcome.TERMINATED, app, _with_names(message, problems),
                                problems)
        return self._result(Outcome.TIMEOUT, app, _with_names(message, problems), problems)


def _with_names(message: str, problems: list[ResourceProblem]) -> str:
    if not problems:
        return message
    return message + "; failing: " + ", ".join(p.ref for p in problems)


def wait_for(client: ArgoCD, name: str, *, timeout: float, app: dict | None = None,
             **kwargs: Any) -> WaitResult:
    """Wait for ``name``; ``app`` is a starting state (e.g. what sync returned)."""
    return Waiter(client, name, timeout=timeout, **kwargs).run(app)
