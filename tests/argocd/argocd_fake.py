"""A real HTTP server on 127.0.0.1 that plays Argo CD v3.2.12's REST API.

Before anything else, the fake applies the rules argocd-server applies in
front of its gateway (``server/server.go``): a request other than GET whose
``Content-Type`` is not exactly ``application/json`` (compared case-
insensitively, parameters such as ``; charset=utf-8`` included, as the
default ``--api-content-types`` does) is answered 415 "Invalid content type"
in plain text, and recorded in ``refused``.

Every request is then matched against the swagger (:mod:`argocd_spec`) before it
is served, and every response (each stream line too) is validated against
the operation's response schema. Whatever does not match is recorded in
``violations`` (the test fixture fails the test on any) and, for requests,
answered 404 so that the client fails as well.
"""
from __future__ import annotations

import copy
import itertools
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from argocd_spec import Spec, SpecViolation

IN_CLUSTER = "https://kubernetes.default.svc"
REPO = "https://git.example.com/team/gitops.git"
REVISION = "0123456789abcdef0123456789abcdef01234567"
T0 = "2026-01-01T10:00:00Z"

UNAUTHENTICATED = (401, 16, "invalid session: token has invalid claims: token is expired")
PERMISSION_DENIED = (403, 7, "permission denied")
IN_PROGRESS = (400, 9, "another operation is already in progress")
UNAVAILABLE = (503, 14, "the server is currently unable to handle the request")

PUBLIC_OPERATIONS = {"SessionService_Create", "VersionService_Version"}
# argocd-server's default --api-content-types.
API_CONTENT_TYPES = frozenset({"application/json"})


def stamp(offset: float = 0.0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1767261600 + offset))


def now_stamp() -> str:
    """The server's clock now, as the controller stamps an operation it starts."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def make_app(name: str, *, project: str = "default", sync: str = "OutOfSync",
             health: str = "Healthy", namespace: str = "apps") -> dict:
    return {
        "metadata": {"name": name, "namespace": "argocd", "resourceVersion": "1",
                     "labels": {"kustguard.io/environment": "k3d"}},
        "spec": {
            "project": project,
            "source": {"repoURL": REPO, "path": f"overlays/k3d/{name}",
                       "targetRevision": "HEAD", "plugin": {"name": "kustguard"}},
            "destination": {"server": IN_CLUSTER, "namespace": namespace},
        },
        "status": {
            "sync": {"status": sync, "revision": REVISION},
            "health": {"status": health},
            "reconciledAt": T0,
            "resourceHealthSource": "appTree",
            "resources": [{"group": "apps", "version": "v1", "kind": "Deployment",
                           "namespace": namespace, "name": name, "status": sync}],
            "history": [{"id": 1, "revision": REVISION, "deployedAt": T0}],
        },
    }


def make_tree(name: str, namespace: str = "apps", *, health: str = "Healthy",
              message: str = "", pod_health: str | None = None,
              pod_message: str = "") -> dict:
    deploy = {"group": "apps", "version": "v1", "kind": "Deployment", "namespace": namespace,
              "name": name, "uid": f"uid-{name}",
              "health": {"status": health, **({"message": message} if message else {})}}
    nodes = [deploy, {"version": "v1", "kind": "Service", "namespace": namespace,
                      "name": name, "uid": f"uid-svc-{name}"}]
    if pod_health:
        nodes.append({"version": "v1", "kind": "Pod", "namespace": namespace,
                      "name": f"{name}-7d9f-abcde", "uid": f"uid-pod-{name}",
                      "health": {"status": pod_health,
                                 **({"message": pod_message} if pod_message else {})},
                      "parentRefs": [{"group": "apps", "kind": "ReplicaSet",
                                      "namespace": namespace, "name": f"{name}-7d9f",
                                      "uid": "uid-rs"}]})
    return {"nodes": nodes}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: "FakeArgoCD"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def _any(self) -> None:
        self.fake.handle(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any


class FakeArgoCD:
    """State plus scripted behaviour; one instance per test."""

    def __init__(self, spec: Spec, *, tls: ssl.SSLContext | None = None) -> None:
        self.spec = spec
        self.cond = threading.Condition()
        self.apps: dict[str, dict] = {}
        self.trees: dict[str, dict] = {}
        self.managed: dict[str, list[dict]] = {}
        self.users = {"admin": "correct-horse-battery"}
        self.tokens: set[str] = set()
        self.requests: list[dict] = []
        self.violations: list[str] = []
        self.refused: list[dict] = []  # requests the server's own rules turned away
        self.failures: list[dict] = []
        self.sync_bodies: list[dict] = []
        self.forbidden: set[str] = set()
        self.stream_enabled = True
        self.stream_cuts: list[int] = []  # per connection: cut after N events
        self.stream_max_seconds = 5.0
        self.on_sync: Callable[[str], None] | None = None
        self.on_rollback: Callable[[str], None] | None = None
        # app -> {(kind, resource name): [(pod, line)]}: what the pod-logs stream sends
        self.logs: dict[str, dict[tuple[str, str], list[tuple[str, str]]]] = {}
        self._rv = itertools.count(10)
        self._token_ids = itertools.count(1)
        self._stopping = False
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self._threads: list[threading.Thread] = []
        self._thread = threading.Thread(target=self.httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    # -- test-facing API -------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"{self.scheme}://{host}:{port}"

    def issue_token(self) -> str:
        token = f"eyJhbGciOiJIUzI1NiJ9.fake-{next(self._token_ids)}.c2lnbmF0dXJl"
        self.tokens.add(token)
        return token

    def add_app(self, app: dict, tree: dict | None = None,
                managed: list[dict] | None = None) -> dict:
        name = app["metadata"]["name"]
        with self.cond:
            app["metadata"]["resourceVersion"] = str(next(self._rv))
            self.apps[name] = app
            self.trees[name] = tree or make_tree(name, app["spec"]["destination"]["namespace"])
            self.managed[name] = managed or []
            self.cond.notify_all()
        return app

    def update(self, name: str, mutate: Callable[[dict], None]) -> dict | None:
        with self.cond:
            app = self.apps.get(name)
            if app is None:  # deleted meanwhile
                return None
            mutate(app)
            app["metadata"]["resourceVersion"] = str(next(self._rv))
            self.cond.notify_all()
            return copy.deepcopy(app)

    def play(self, steps: list[tuple[float, Callable[[], None]]]) -> None:
        """Run ``steps`` (delay from the previous step, action) in a thread."""
        def run() -> None:
            for delay, action in steps:
                time.sleep(delay)
                if self._stopping:
                    return
                action()
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self._threads.append(thread)

    def fail(self, operation_id: str, status: int, code: int | None = None,
             message: str = "", *, raw: bytes | None = None, times: int = 1,
             after: bool = False, drop: bool = False) -> None:
        """Answer the next ``times`` calls of ``operation_id`` with an error.

        ``after``: the call is carried out first, only its answer is lost (a
        proxy timing out while the server acts). ``drop``: no answer at all,
        the connection is closed.
        """
        self.failures.append({"op": operation_id, "status": status, "code": code,
                              "message": message, "raw": raw, "times": times,
                              "after": after, "drop": drop})

    def calls(self, operation_id: str) -> list[dict]:
        return [r for r in self.requests if r["op"] == operation_id]

    def stop(self) -> None:
        self._stopping = True
        with self.cond:
            self.cond.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=2)

    # -- request handling ------------------------------------------------------
    def handle(self, h: _Handler) -> None:
        parts = urlsplit(h.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        length = int(h.headers.get("Content-Length") or 0)
        raw_body = h.rfile.read(length) if length else b""
        record = {"method": h.command, "path": parts.path, "query": query,
                  "body": raw_body, "op": None,
                  "authorization": h.headers.get("Authorization", ""),
                  "content_type": h.headers.get("Content-Type")}
        self.requests.append(record)
        if not self._content_type_allowed(h):
            self.refused.append(record)
            self._send_raw(h, 415, b"Invalid content type\n", "text/plain; charset=utf-8")
            return
        try:
            op, params, body = self.spec.check_request(h.command, parts.path, query, raw_body)
        except SpecViolation as exc:
            self.violations.append(str(exc))
            self._send_raw(h, 404, json.dumps({"error": str(exc), "code": 5,
                                                "message": str(exc)}).encode())
            return
        record["op"] = op.operation_id
        if op.operation_id not in PUBLIC_OPERATIONS and not self._authorized(h):
            self._error(h, op, *UNAUTHENTICATED)
            return
        for failure in self.failures:
            if failure["op"] == op.operation_id and failure["times"] > 0:
                failure["times"] -= 1
                if failure["after"]:
                    h.lost_answer = (op, failure)  # type: ignore[attr-defined]
                    break
                self._answer_failure(h, op, failure)
                return
        handler = getattr(self, "op_" + op.operation_id, None)
        if handler is None:
            self.violations.append(f"the fake does not serve {op.operation_id}")
            self._error(h, op, 501, 12, "not implemented by the fake")
            return
        handler(h, op, params, query, body)

    @staticmethod
    def _content_type_allowed(h: _Handler) -> bool:
        """server.go's enforceContentTypes: GET passes, anything else needs an
        allowed Content-Type, the header compared whole."""
        if h.command == "GET":
            return True
        return (h.headers.get("Content-Type") or "").lower() in API_CONTENT_TYPES

    def _authorized(self, h: _Handler) -> bool:
        auth = h.headers.get("Authorization", "")
        return auth.startswith("Bearer ") and auth[len("Bearer "):] in self.tokens

    def _answer_failure(self, h: _Handler, op: Any, failure: dict) -> None:
        if failure["drop"]:
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
        elif failure["raw"] is not None:
            self._send_raw(h, failure["status"], failure["raw"], "text/html")
        else:
            self._error(h, op, failure["status"], failure["code"], failure["message"])

    def _send_event(self, h, op: str, event: dict) -> None:
        """One event of a chunked stream, checked against the spec first."""
        try:
            self.spec.check_response(op, 200, event)
        except SpecViolation as exc:
            self.violations.append(str(exc))
        line = (json.dumps(event) + "\n").encode()
        h.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))

    def _send_raw(self, h: _Handler, status: int, data: bytes,
                  ctype: str = "application/json") -> None:
        lost = getattr(h, "lost_answer", None)
        if lost is not None:  # the call was carried out; its answer is replaced
            h.lost_answer = None  # type: ignore[attr-defined]
            self._answer_failure(h, *lost)
            return
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _reply(self, h: _Handler, op: Any, status: int, body: Any) -> None:
        try:
            self.spec.check_response(op, status, body)
        except SpecViolation as exc:
            self.violations.append(str(exc))
        self._send_raw(h, status, json.dumps(body).encode())

    def _error(self, h: _Handler, op: Any, status: int, code: int | None, message: str) -> None:
        body: dict[str, Any] = {"error": message, "message": message}
        if code is not None:
            body["code"] = code
        self._reply(h, op, status, body)

    def _app_or_error(self, h: _Handler, op: Any, name: str, query: dict) -> dict | None:
        project = (query.get("project") or [None])[0]
        app = self.apps.get(name)
        if name in self.forbidden and not project:
            self._error(h, op, *PERMISSION_DENIED)
            return None
        if app is None or (project and app["spec"]["project"] != project):
            # As Argo CD does: a project mismatch reads as "not found".
            self._error(h, op, 404, 5, f'applications.argoproj.io "{name}" not found')
            return None
        return app

    # -- operations ----------------------------------------------------------
    def op_VersionService_Version(self, h, op, params, query, body) -> None:
        self._reply(h, op, 200, {"Version": "v3.2.12+fake", "KustomizeVersion": "v5.7.1"})

    def op_SessionService_Create(self, h, op, params, query, body) -> None:
        body = body or {}
        if self.users.get(body.get("username")) != body.get("password") or not body.get("password"):
            self._error(h, op, 401, 16, "Invalid username or password")
            return
        self._reply(h, op, 200, {"token": self.issue_token()})

    def op_ApplicationService_List(self, h, op, params, query, body) -> None:
        items = list(self.apps.values())
        projects = query.get("projects", []) + query.get("project", [])
        if projects:
            items = [a for a in items if a["spec"]["project"] in projects]
        for selector in query.get("selector", []):
            for term in filter(None, selector.split(",")):
                key, _, value = term.partition("=")
                items = [a for a in items
                         if a["metadata"].get("labels", {}).get(key) == value]
        self._reply(h, op, 200, {"items": items, "metadata": {"resourceVersion": "1"}})

    def op_ApplicationService_Get(self, h, op, params, query, body) -> None:
        with self.cond:
            app = self._app_or_error(h, op, params["name"], query)
            if app is not None:
                self._reply(h, op, 200, app)

    def op_ApplicationService_ResourceTree(self, h, op, params, query, body) -> None:
        name = params["applicationName"]
        if self._app_or_error(h, op, name, query) is not None:
            self._reply(h, op, 200, self.trees[name])

    def op_ApplicationService_ManagedResources(self, h, op, params, query, body) -> None:
        name = params["applicationName"]
        if self._app_or_error(h, op, name, query) is not None:
            self._reply(h, op, 200, {"items": self.managed[name]})

    def op_ApplicationService_Sync(self, h, op, params, query, body) -> None:
        name = params["name"]
        self.sync_bodies.append(body)
        with self.cond:
            app = self._app_or_error(h, op, name, {"project": [body.get("project")]}
                                     if body.get("project") else {})
            if app is None:
                return
            if app.get("operation"):
                self._error(h, op, *IN_PROGRESS)
                return
            sync: dict[str, Any] = {"revision": body.get("revision") or REVISION,
                                    "prune": bool(body.get("prune")),
                                    "dryRun": bool(body.get("dryRun"))}
            if body.get("strategy"):
                sync["syncStrategy"] = body["strategy"]
            if body.get("syncOptions"):
                sync["syncOptions"] = body["syncOptions"].get("items", [])
            if body.get("resources"):
                sync["resources"] = body["resources"]
            operation = {"sync": sync, "initiatedBy": {"username": "admin"}}
            if body.get("retryStrategy"):
                operation["retry"] = body["retryStrategy"]
            app["operation"] = operation
            app["status"]["operationState"] = {"phase": "Running", "startedAt": now_stamp(),
                                               "operation": operation,
                                               "message": "syncing"}
            app["metadata"]["resourceVersion"] = str(next(self._rv))
            self.cond.notify_all()
            answer = copy.deepcopy(app)
        self._reply(h, op, 200, answer)
        if self.on_sync is not None:
            self.on_sync(name)

    def op_ApplicationService_Rollback(self, h, op, params, query, body) -> None:
        name = params["name"]
        with self.cond:
            app = self._app_or_error(h, op, name, {})
            if app is None:
                return
            if app.get("operation"):
                self._error(h, op, *IN_PROGRESS)
                return
            history = {e["id"]: e for e in app["status"].get("history", [])}
            entry = history.get(body.get("id"))
            if entry is None:
                self._error(h, op, 400, 3, f"application {name} does not have deployment "
                                           f"with id {body.get('id')}")
                return
            operation = {"sync": {"revision": entry["revision"],
                                  "prune": bool(body.get("prune"))},
                         "initiatedBy": {"username": "admin"}}
            app["operation"] = operation
            app["status"]["operationState"] = {"phase": "Running", "startedAt": now_stamp(),
                                               "operation": operation}
            app["metadata"]["resourceVersion"] = str(next(self._rv))
            self.cond.notify_all()
            answer = copy.deepcopy(app)
        self._reply(h, op, 200, answer)
        if self.on_rollback is not None:
            self.on_rollback(name)

    def op_ApplicationService_TerminateOperation(self, h, op, params, query, body) -> None:
        name = params["name"]
        with self.cond:
            app = self._app_or_error(h, op, name, query)
            if app is None:
                return
            state = app["status"].get("operationState") or {}
            if state.get("phase") != "Running":
                self._error(h, op, 400, 9, "Unable to terminate operation. "
                                           "No operation is in progress")
                return
            state["phase"] = "Terminating"
            app["metadata"]["resourceVersion"] = str(next(self._rv))
            self.cond.notify_all()

        def finish(app: dict) -> None:
            app.pop("operation", None)
            app["status"]["operationState"].update(
                phase="Failed", message="Operation terminated", finishedAt=stamp(5))
        self.play([(0.05, lambda: self.update(name, finish))])
        self._reply(h, op, 200, {})

    def op_ApplicationService_Delete(self, h, op, params, query, body) -> None:
        name = params["name"]
        with self.cond:
            if self._app_or_error(h, op, name, query) is None:
                return
            del self.apps[name]
            self.cond.notify_all()
        self._reply(h, op, 200, {})

    def op_ApplicationService_PodLogs2(self, h, op, params, query, body) -> None:
        name = params["name"]
        if self._app_or_error(h, op, name, {}) is None:
            return
        kind = (query.get("kind") or [""])[0]
        resource = (query.get("resourceName") or [""])[0]
        lines = self.logs.get(name, {}).get((kind, resource), [])
        tail = (query.get("tailLines") or [None])[0]
        if tail is not None:
            lines = lines[-int(tail):]
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        events = [{"result": {"podName": pod, "content": text, "timeStampStr": stamp(i),
                              "timeStamp": stamp(i), "last": False}}
                  for i, (pod, text) in enumerate(lines)]
        events.append({"result": {"last": True}})  # the server's end marker
        for event in events:
            self._send_event(h, op, event)
        h.wfile.write(b"0\r\n\r\n")
        h.wfile.flush()

    def op_ApplicationService_Watch(self, h, op, params, query, body) -> None:
        if not self.stream_enabled:
            # A proxy in front of Argo CD that does not pass streams through.
            self._send_raw(h, 501, b"<html>streaming not supported</html>", "text/html")
            return
        name = (query.get("name") or [""])[0]
        since = int((query.get("resourceVersion") or ["0"])[0] or 0)
        cut_after = self.stream_cuts.pop(0) if self.stream_cuts else None
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        sent = 0
        last = since
        deadline = time.monotonic() + self.stream_max_seconds
        first = not since
        try:
            while time.monotonic() < deadline and not self._stopping:
                with self.cond:
                    app = self.apps.get(name)
                    rv = int(app["metadata"]["resourceVersion"]) if app else last
                    if app is None or (rv <= last and not first):
                        self.cond.wait(timeout=0.1)
                        continue
                    event = {"result": {"type": "ADDED" if first else "MODIFIED",
                                        "application": copy.deepcopy(app)}}
                    first = False
                    last = rv
                if cut_after is not None and sent >= cut_after:
                    # Drop the connection in the middle of a chunk.
                    h.wfile.write(b"4000\r\n{\"result\": {\"type\": \"MODI")
                    h.wfile.flush()
                    h.close_connection = True
                    h.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._send_event(h, op, event)
                h.wfile.flush()
                sent += 1
            h.wfile.write(b"0\r\n\r\n")
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            h.close_connection = True
