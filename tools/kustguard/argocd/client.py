"""Argo CD operations over a :class:`~kustguard.argocd.session.Session`.

Every method is one documented API call (plus the JSON decoding), and
returns plain data: the Application object as the API returns it, a list,
or a small typed result. Waiting lives in :mod:`kustguard.argocd.wait`.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

from kustguard.argocd.diff import ResourceDiff, diffs_from_managed
from kustguard.argocd.errors import InvalidResponse
from kustguard.argocd.options import RetryPolicy, SyncResource, strategy_to_wire
from kustguard.argocd.session import Session

REFRESH_MODES = ("normal", "hard")
APPS = "/api/v1/applications"


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

        Sent once, never retried: a lost answer does not mean a lost sync.
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
        return self._expect_dict(self.session.request(
            "POST", f"{APPS}/{_seg(name)}/sync", json_body=body, idempotent=False,
            project=project), "sync")

    def rollback(self, name: str, history_id: int, *, prune: bool = False,
                 dry_run: bool = False, project: str | None = None) -> dict[str, Any]:
        """Sync back to the revision of history entry ``history_id``; sent once."""
        body: dict[str, Any] = {"name": name, "id": int(history_id), "prune": bool(prune),
                                "dryRun": bool(dry_run)}
        if self.app_namespace:
            body["appNamespace"] = self.app_namespace
        if project:
            body["project"] = project
        return self._expect_dict(self.session.request(
            "POST", f"{APPS}/{_seg(name)}/rollback", json_body=body, idempotent=False,
            project=project), "rollback")

    def terminate(self, name: str, *, project: str | None = None) -> None:
        """Stop the running operation."""
        self.session.request("DELETE", f"{APPS}/{_seg(name)}/operation",
                             params=self._scope(project), project=project)

    def delete(self, name: str, *, cascade: bool = True,
               propagation_policy: str | None = None, project: str | None = None) -> None:
        """Delete the Application (and, with ``cascade``, what it deployed)."""
        params = self._scope(project, cascade=cascade, propagationPolicy=propagation_policy)
        self.session.request("DELETE", f"{APPS}/{_seg(name)}", params=params, project=project)
