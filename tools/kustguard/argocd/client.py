"""Argo CD operations over a :class:`~kustguard.argocd.session.Session`.

Every method is one documented API call (plus the JSON decoding), and
returns plain data: the Application object as the API returns it, a list,
or a small typed result. Waiting lives in :mod:`kustguard.argocd.wait`.

Starting a sync or a rollback is the one place that is more than a call:
a 5xx or a dropped connection leaves it unknown whether Argo CD acted. The
client then reads the app: if an operation now runs (or one started since
the request was sent), that is the answer; only if none did is the request
sent once more, and Argo CD itself refuses a second operation while one
runs, so a sync is never started twice.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from kustguard.argocd.diff import ResourceDiff, diffs_from_managed
from kustguard.argocd.errors import (
    ArgoCDError,
    InvalidResponse,
    OperationInProgress,
    ServerError,
    TransportError,
)
from kustguard.argocd.operations import now_utc, parse_time, status_of
from kustguard.argocd.options import RetryPolicy, SyncResource, strategy_to_wire
from kustguard.argocd.session import Session

log = logging.getLogger("kustguard.argocd")

REFRESH_MODES = ("normal", "hard")
APPS = "/api/v1/applications"
# Errors after which a mutating call may or may not have taken effect.
AMBIGUOUS = (ServerError, TransportError)


@dataclass(frozen=True)
class LogLine:
    """One line of a pod's log, as the pod-logs stream sends it."""

    pod: str
    content: str
    time: str

    def to_dict(self) -> dict[str, str]:
        return {"pod": self.pod, "time": self.time, "content": self.content}


def _seg(value: str) -> str:
    if not value:
        raise ValueError("empty application name")
    return quote(value, safe="")


class ArgoCD:
    """The operations this project needs, on one session.

    ``app_namespace`` is for Argo CD's "apps in any namespace" mode; leave it
    unset when Applications live in the control-plane namespace.
    """

    def __init__(self, session: Session, *, app_namespace: str | None = None) -> None:
        self.session = session
        self.app_namespace = app_namespace

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "ArgoCD":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _scope(self, project: str | None = None, **extra: Any) -> dict[str, Any]:
        params: dict[str, Any] = {"appNamespace": self.app_namespace}
        if project:
            params["project"] = project
        params.update(extra)
        return params

    @staticmethod
    def _expect_dict(value: Any, what: str) -> dict:
        if not isinstance(value, dict):
            raise InvalidResponse(f"{what}: expected a JSON object")
        return value

    # -- reading -------------------------------------------------------------
    def version(self) -> dict[str, Any]:
        return self._expect_dict(self.session.request("GET", "/api/version"), "version")

    def list_applications(self, *, selector: str | None = None,
                          projects: Iterable[str] = (), repo: str | None = None) -> list[dict]:
        params = {"selector": selector, "projects": list(projects) or None, "repo": repo,
                  "appNamespace": self.app_namespace}
        body = self._expect_dict(self.session.request("GET", APPS, params=params), "list")
        return list(body.get("items") or [])

    def get(self, name: str, *, refresh: str | None = None,
            project: str | None = None) -> dict[str, Any]:
        """The Application; ``refresh`` asks Argo CD to re-read git (``hard``: and
        re-render) before answering."""
        if refresh is not None and refresh not in REFRESH_MODES:
            raise ValueError(f"refresh must be one of {REFRESH_MODES}")
        params = self._scope(refresh=refresh)
        if project:
            params["project"] = [project]
        return self._expect_dict(self.session.request(
            "GET", f"{APPS}/{_seg(name)}", params=params, project=project), "application")

    def refresh(self, name: str, *, hard: bool = False,
                project: str | None = None) -> dict[str, Any]:
        """Have Argo CD re-read git (``hard``: and re-render, bypassing its
        manifest cache) now; returns the app as the refresh left it."""
        return self.get(name, refresh="hard" if hard else "normal", project=project)

    def history(self, name: str, *, project: str | None = None) -> list[dict]:
        """The app's deployment history, newest last; an entry's ``id`` is what
        :meth:`rollback` takes."""
        entries = status_of(self.get(name, project=project)).get("history") or []
        return [e for e in entries if isinstance(e, dict)]

    def logs(self, name: str, *, kind: str, resource_name: str, group: str = "",
             namespace: str | None = None, container: str | None = None,
             tail_lines: int | None = None, since_seconds: int | None = None,
             follow: bool = False, project: str | None = None,
             idle_timeout: float | None = None) -> Iterator[LogLine]:
        """Log lines of the pods of one resource of the app (a Deployment, a
        Pod...), through the API's pod-logs stream; ends with the stream."""
        params = {"kind": kind, "resourceName": resource_name, "group": group,
                  "namespace": namespace, "container": container,
                  "tailLines": tail_lines, "sinceSeconds": since_seconds,
                  "follow": follow, "appNamespace": self.app_namespace, "project": project}
        for entry in self.session.stream(f"{APPS}/{_seg(name)}/logs", params=params,
                                         idle_timeout=idle_timeout):
            if entry.get("last"):
                return
            yield LogLine(pod=str(entry.get("podName") or ""),
                          content=str(entry.get("content") or ""),
                          time=str(entry.get("timeStampStr") or entry.get("timeStamp") or ""))

    def resource_tree(self, name: str, *, project: str | None = None) -> dict[str, Any]:
        return self._expect_dict(self.session.request(
            "GET", f"{APPS}/{_seg(name)}/resource-tree", params=self._scope(project),
            project=project), "resource tree")

    def managed_resources(self, name: str, *, project: str | None = None) -> list[dict]:
        body = self._expect_dict(self.session.request(
            "GET", f"{APPS}/{_seg(name)}/managed-resources", params=self._scope(project),
            project=project), "managed resources")
        return list(body.get("items") or [])

    def diff(self, name: str, *, project: str | None = None) -> list[ResourceDiff]:
        """Resources whose live state differs from the target, with a unified diff."""
        return diffs_from_managed(self.managed_resources(name, project=project))

    def watch(self, name: str, *, resource_version: str | None = None,
              idle_timeout: float | None = None) -> Iterator[tuple[str, dict]]:
        """Yield ``(event type, Application)`` from the watch stream."""
        params = {"name": name, "resourceVersion": resource_version,
                  "appNamespace": self.app_namespace}
        for event in self.session.stream("/api/v1/stream/applications", params=params,
                                         idle_timeout=idle_timeout):
            app = event.get("application")
            if isinstance(app, dict):
                yield str(event.get("type") or ""), app

    # -- changing ------------------------------------------------------------
    def sync(self, name: str, *, revision: str | None = None, prune: bool = False,
             dry_run: bool = False, resources: Iterable[SyncResource] = (),
             sync_options: Iterable[str] = (), strategy: str | None = None,
             force: bool = False, retry: RetryPolicy | None = None,
             project: str | None = None) -> dict[str, Any]:
        """Start a sync; returns the Application with its new ``operation``.

        After a 5xx or a dropped connection, the app is read first: an
        operation started since means the sync took effect; only otherwise
        is it sent once more (see the module docstring).
        """
        body: dict[str, Any] = {"name": name, "prune": bool(prune), "dryRun": bool(dry_run)}
        if self.app_namespace:
            body["appNamespace"] = self.app_namespace
        if project:
            body["project"] = project
        if revision:
            body["revision"] = revision
        wire_resources = [r.to_wire() for r in resources]
        if wire_resources:
            body["resources"] = wire_resources
        options = [o for o in sync_options if o]
        if options:
            body["syncOptions"] = {"items": options}
        wire_strategy = strategy_to_wire(strategy, force)
        if wire_strategy is not None:
            body["strategy"] = wire_strategy
        if retry is not None:
            body["retryStrategy"] = retry.to_wire()
        return self._start_operation(name, "sync", body, project)

    def rollback(self, name: str, history_id: int, *, prune: bool = False,
                 dry_run: bool = False, project: str | None = None) -> dict[str, Any]:
        """Sync back to the revision of history entry ``history_id`` (a failure
        is checked like :meth:`sync`'s)."""
        body: dict[str, Any] = {"name": name, "id": int(history_id), "prune": bool(prune),
                                "dryRun": bool(dry_run)}
        if self.app_namespace:
            body["appNamespace"] = self.app_namespace
        if project:
            body["project"] = project
        return self._start_operation(name, "rollback", body, project)

    def _post_operation(self, name: str, what: str, body: dict,
                        project: str | None) -> dict[str, Any]:
        return self._expect_dict(self.session.request(
            "POST", f"{APPS}/{_seg(name)}/{what}", json_body=body, idempotent=False,
            project=project), what)

    def _started_since(self, name: str, since: datetime,
                       project: str | None) -> dict[str, Any] | None:
        """The app, if an operation runs now or started at or after ``since``."""
        app = self.get(name, project=project)
        if app.get("operation"):
            return app
        started = parse_time((status_of(app).get("operationState") or {}).get("startedAt"))
        return app if started is not None and started >= since else None

    def _start_operation(self, name: str, what: str, body: dict,
                         project: str | None) -> dict[str, Any]:
        since = now_utc()
        try:
            return self._post_operation(name, what, body, project)
        except AMBIGUOUS as first:
            log.info("%s of %s: %s; checking whether it started", what, name, first.message)
            started = self._observe(name, since, project, first)
            if started is not None:
                log.info("%s of %s took effect despite the error", what, name)
                return started
        log.info("%s of %s did not start; sending it once more", what, name)
        try:
            return self._post_operation(name, what, body, project)
        except (OperationInProgress, *AMBIGUOUS) as second:
            started = self._observe(name, since, project, second)
            if started is not None:
                return started
            raise

    def _observe(self, name: str, since: datetime, project: str | None,
                 cause: ArgoCDError) -> dict[str, Any] | None:
        try:
            return self._started_since(name, since, project)
        except ArgoCDError:
            cause.hint = ("it is unknown whether the operation started: check with "
                          "`kustguard argocd get` before trying again")
            raise cause from None

    def terminate(self, name: str, *, project: str | None = None) -> None:
        """Stop the running operation (the controller ends it as Failed, with the
        message "Operation terminated")."""
        self.session.request("DELETE", f"{APPS}/{_seg(name)}/operation",
                             params=self._scope(project), project=project)

    def delete(self, name: str, *, cascade: bool = True,
               propagation_policy: str | None = None, project: str | None = None) -> None:
        """Delete the Application (and, with ``cascade``, what it deployed)."""
        params = self._scope(project, cascade=cascade, propagationPolicy=propagation_policy)
        self.session.request("DELETE", f"{APPS}/{_seg(name)}", params=params, project=project)
