"""A small Kubernetes REST client: discovery, get, list, server-side apply
(for real or ``dryRun=All``), delete. Just what the tests need, on
``requests`` with the admin client certificate; no kubectl needed.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import requests

FIELD_MANAGER = "kustguard-e2e"


class KubeError(Exception):
    """The API server refused a call: HTTP status, reason and its message."""

    def __init__(self, status: int, reason: str, message: str, body: Any = None) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message
        self.body = body


@dataclass(frozen=True)
class Resource:
    api_version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def prefix(self) -> str:
        return f"/api/{self.api_version}" if "/" not in self.api_version \
            else f"/apis/{self.api_version}"


def ref(obj: dict) -> str:
    """``Kind namespace/name`` (or ``Kind name``) for messages."""
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    return f"{obj.get('kind')} {ns + '/' if ns else ''}{meta.get('name')}"


class Kube:
    def __init__(self, server: str, *, ca: str, cert: str, key: str,
                 timeout: float = 30.0) -> None:
        self.server = server.rstrip("/")
        self.timeout = timeout
        self._http = requests.Session()
        # Per request: a session-level verify loses to REQUESTS_CA_BUNDLE.
        self._verify = ca
        self._http.cert = (cert, key)
        self._resources: dict[tuple[str, str], Resource] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    # -- raw ---------------------------------------------------------------
    def request(self, method: str, path: str, *, params: dict | None = None,
                body: Any = None, content_type: str = "application/json",
                timeout: float | None = None) -> Any:
        data = None if body is None else json.dumps(body)
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = content_type
        resp = self._http.request(method, self.server + path, params=params, data=data,
                                  headers=headers, timeout=timeout or self.timeout,
                                  verify=self._verify)
        if resp.status_code >= 400:
            try:
                status = resp.json()
            except ValueError:
                status = {"message": resp.text.strip()}
            raise KubeError(resp.status_code, str(status.get("reason") or resp.reason),
                            str(status.get("message") or resp.text.strip()), status)
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            return resp.text

    def ready(self) -> bool:
        try:
            return self.request("GET", "/readyz", timeout=5) == "ok"
        except (requests.RequestException, KubeError):
            return False

    # -- discovery -----------------------------------------------------------
    def refresh_discovery(self) -> None:
        found: dict[tuple[str, str], Resource] = {}
        versions = ["v1"]
        for group in self.request("GET", "/apis").get("groups", []):
            versions.extend(v["groupVersion"] for v in group.get("versions", []))
        for gv in versions:
            prefix = "/api/v1" if gv == "v1" else f"/apis/{gv}"
            try:
                listing = self.request("GET", prefix)
            except KubeError:
                continue  # an aggregated API that is not served: nothing to map
            for res in listing.get("resources", []):
                if "/" in res["name"]:
                    continue  # subresource
                found[(gv, res["kind"])] = Resource(gv, res["kind"], res["name"],
                                                    bool(res["namespaced"]))
        with self._lock:
            self._resources = found

    def resource(self, api_version: str, kind: str) -> Resource:
        key = (api_version, kind)
        if key not in self._resources:
            self.refresh_discovery()
        try:
            return self._resources[key]
        except KeyError:
            raise KubeError(404, "NotFound",
                            f"no matches for kind \"{kind}\" in version \"{api_version}\"")\
                from None

    def path(self, api_version: str, kind: str, name: str | None = None,
             namespace: str | None = None, subresource: str | None = None) -> str:
        res = self.resource(api_version, kind)
        parts = [res.prefix]
        if res.namespaced:
            parts.append(f"namespaces/{namespace or 'default'}")
        parts.append(res.plural)
        if name:
            parts.append(name)
        if subresource:
            parts.append(subresource)
        return "/".join(parts)

    # -- objects -------------------------------------------------------------
    def get(self, api_version: str, kind: str, name: str,
            namespace: str | None = None) -> dict | None:
        try:
            return self.request("GET", self.path(api_version, kind, name, namespace))
        except KubeError as exc:
            if exc.status == 404:
                return None
            raise

    def list(self, api_version: str, kind: str, namespace: str | None = None, *,
             label_selector: str | None = None) -> list[dict]:
        res = self.resource(api_version, kind)
        path = self.path(api_version, kind, namespace=namespace) if namespace or \
            not res.namespaced else f"{res.prefix}/{res.plural}"
        params = {"labelSelector": label_selector} if label_selector else None
        return list(self.request("GET", path, params=params).get("items") or [])

    def apply(self, obj: dict, *, dry_run: bool = False, manager: str = FIELD_MANAGER,
              force: bool = True) -> dict:
        """Server-side apply with strict field validation, as a GitOps tool would."""
        meta = obj.get("metadata") or {}
        path = self.path(obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace"))
        params = {"fieldManager": manager, "fieldValidation": "Strict"}
        if force:
            params["force"] = "true"
        if dry_run:
            params["dryRun"] = "All"
        return self.request("PATCH", path, params=params, body=obj,
                            content_type="application/apply-patch+yaml")

    def delete(self, api_version: str, kind: str, name: str,
               namespace: str | None = None) -> bool:
        try:
            self.request("DELETE", self.path(api_version, kind, name, namespace),
                         body={"propagationPolicy": "Background"})
            return True
        except KubeError as exc:
            if exc.status == 404:
                return False
            raise
