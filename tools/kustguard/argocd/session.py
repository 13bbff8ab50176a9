"""The HTTP session: base URL, auth, TLS, timeouts, retries, error mapping.

One :class:`Session` talks to one Argo CD API server. It holds the token in a
private attribute, never logs headers, and scrubs every secret it knows from
the text of the errors it raises.

Credentials are cleaned before use: surrounding whitespace (a trailing
``\r`` or ``\n`` from a file or a Windows-edited env file) is stripped, and a
token with any other control character or inner whitespace is refused with
an error that does not quote it. Every error text is scrubbed of each secret
in every encoding a server or proxy could echo it in: raw, JSON-escaped,
URL-encoded and base64 (:mod:`kustguard.argocd.secrets`).

Every request but a GET carries ``Content-Type: application/json``, a
bodiless DELETE included: argocd-server answers any other non-GET request
with 415 "Invalid content type".

Retries: idempotent calls (GET, PUT, DELETE, and the login) are retried with
exponential backoff on connection errors, timeouts and 502/503/504. A call
marked non-idempotent (a sync or rollback ``POST``) is sent exactly once
here: Argo CD may have accepted it even when the answer was lost. The client
(:mod:`kustguard.argocd.client`) reads the app before it sends one again.
"""
from __future__ import annotations

import json
import logging
import os
import random
import time
import warnings
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3

from kustguard.argocd import secrets
from kustguard.argocd.errors import (
    GRPC_FAILED_PRECONDITION,
    OPERATION_IN_PROGRESS_TEXT,
    ArgoCDError,
    BadRequest,
    InvalidResponse,
    NotFound,
    OperationInProgress,
    PermissionDenied,
    ServerError,
    StreamInterrupted,
    StreamUnavailable,
    TLSError,
    TransportError,
    Unauthenticated,
)

log = logging.getLogger("kustguard.argocd")

ENV_SERVER = "ARGOCD_SERVER"
ENV_TOKEN = "ARGOCD_AUTH_TOKEN"
ENV_USERNAME = "ARGOCD_USERNAME"
ENV_PASSWORD = "ARGOCD_PASSWORD"

RETRY_STATUSES = frozenset({502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# Statuses with which a proxy (not Argo CD itself) says it has no stream endpoint.
STREAM_MISSING_STATUSES = frozenset({404, 405, 501})
JSON = "application/json"


def normalize_server(server: str, *, plaintext: bool = False) -> str:
    """``argocd.example.com`` -> ``https://argocd.example.com``; a URL is kept."""
    server = server.strip().rstrip("/")
    if not server:
        raise ValueError("empty server address")
    if "://" not in server:
        server = ("http://" if plaintext else "https://") + server
    parts = urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) server address: {server!r}")
    return server


def _encode_params(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Query parameters as the gateway reads them: lists repeat the key,
    booleans are ``true``/``false``, ``None`` is left out."""
    out: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool):
                item = "true" if item else "false"
            out.append((key, str(item)))
    return out


class Session:
    """A connection to one Argo CD API server.

    ``verify`` is True (the system trust store), a path to a CA bundle, or
    False, which is only reachable through ``insecure=True``.
    """

    def __init__(self, server: str, *, token: str | None = None, username: str | None = None,
                 password: str | None = None, ca_bundle: str | os.PathLike | None = None,
                 insecure: bool = False, connect_timeout: float = 5.0,
                 read_timeout: float = 30.0, retries: int = 3, backoff: float = 0.5,
                 max_backoff: float = 8.0, plaintext: bool = False,
                 http: requests.Session | None = None) -> None:
        self.base_url = normalize_server(server, plaintext=plaintext)
        if insecure and ca_bundle:
            raise ValueError("choose either a CA bundle or insecure, not both")
        self.verify: bool | str = False if insecure else (str(ca_bundle) if ca_bundle else True)
        if insecure:
            log.warning("TLS verification is off for %s: anyone on the path can read the "
                        "token", self.base_url)
        self.timeout = (float(connect_timeout), float(read_timeout))
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self._token = secrets.clean_token(token, ENV_TOKEN)
        self._username = secrets.clean_username(username, ENV_USERNAME)
        self._password = secrets.clean_password(password, ENV_PASSWORD)
        self._secrets = secrets.Redactor()
        self._secrets.add(self._token)
        self._secrets.add(self._password)
        # The raw values too: a caller may print what it passed in.
        self._secrets.add(token)
        self._secrets.add(password)
        self._http = http or requests.Session()
        self._http.headers["User-Agent"] = "kustguard-argocd"
        self._http.headers["Accept"] = "application/json"

    @classmethod
    def from_env(cls, server: str | None = None, *, environ: Mapping[str, str] | None = None,
                 **kwargs: Any) -> "Session":
        env = os.environ if environ is None else environ
        server = server or env.get(ENV_SERVER, "")
        if not server:
            raise ValueError(f"no Argo CD server: pass --server or set {ENV_SERVER}")
        kwargs.setdefault("token", env.get(ENV_TOKEN) or None)
        kwargs.setdefault("username", env.get(ENV_USERNAME) or None)
        kwargs.setdefault("password", env.get(ENV_PASSWORD) or None)
        return cls(server, **kwargs)

    # -- context management -------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        auth = "token" if self._token else ("credentials" if self.can_login else "none")
        return f"Session({self.base_url!r}, auth={auth}, verify={self.verify!r})"

    # -- secrets ----------------------------------------------------------
    @property
    def can_login(self) -> bool:
        return bool(self._username and self._password)

    @property
    def authenticated(self) -> bool:
        return self._token is not None

    def redact(self, text: str) -> str:
        """``text`` without any known secret, in any encoding it could be echoed in."""
        return self._secrets.redact(text)

    # -- auth ----------------------------------------------------------------
    def login(self) -> None:
        """Trade the username and password for a session token."""
        if not self.can_login:
            raise Unauthenticated("no username and password to log in with",
                                  method="POST", path="/api/v1/session")
        body = self.request("POST", "/api/v1/session",
                            json_body={"username": self._username, "password": self._password},
                            idempotent=True, auth=False)
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise InvalidResponse("login answered without a token", method="POST",
                                  path="/api/v1/session")
        self._secrets.add(token)
        try:
            self._token = secrets.clean_token(token, "the token the login returned")
        except ValueError as exc:
            raise InvalidResponse(str(exc), method="POST", path="/api/v1/session") from None
        log.debug("logged in to %s as %s", self.base_url, self._username)

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    # -- requests ------------------------------------------------------------
    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json_body: Any = None, idempotent: bool | None = None, auth: bool = True,
                project: str | None = None) -> Any:
        """Send one API call and return its decoded JSON body."""
        method = method.upper()
        response = self._call(method, path, params=params, json_body=json_body,
                              idempotent=idempotent, auth=auth, project=project)
        try:
            return self._decode(response, method, path)
        finally:
            response.close()

    def stream(self, path: str, *, params: Mapping[str, Any] | None = None,
               idle_timeout: float | None = None) -> Iterator[dict]:
        """Yield the ``result`` objects of a newline-delimited JSON stream.

        Raises :class:`StreamUnavailable` when the endpoint is not served,
        :class:`StreamInterrupted` when an open stream breaks or stays silent
        for ``idle_timeout`` seconds.
        """
        timeout = (self.timeout[0], idle_timeout if idle_timeout is not None else self.timeout[1])
        response = self._call("GET", path, params=params, json_body=None, idempotent=False,
                              auth=True, project=None, stream=True, timeout=timeout,
                              stream_probe=True)
        try:
            ctype = response.headers.get("Content-Type", "")
            if "json" not in ctype:
                raise StreamUnavailable(f"the stream answered with {ctype or 'no content type'}",
                                        status=response.status_code, method="GET", path=path)
            try:
                for raw in response.iter_lines():
                    if not raw or not raw.strip():
                        continue
                    yield self._stream_item(raw, path)
            except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError,
                    requests.Timeout, urllib3.exceptions.HTTPError) as exc:
                raise StreamInterrupted(self.redact(f"stream broke: {type(exc).__name__}"),
                                        method="GET", path=path) from None
        finally:
            response.close()

    def _stream_item(self, raw: bytes, path: str) -> dict:
        try:
            item = json.loads(raw)
        except ValueError:
            raise InvalidResponse("the stream sent a line that is not JSON",
                                  method="GET", path=path) from None
        if not isinstance(item, dict):
            raise InvalidResponse("the stream sent a line that is not an object",
                                  method="GET", path=path)
        if isinstance(item.get("error"), dict):
            err = item["error"]
            status = err.get("http_code") if isinstance(err.get("http_code"), int) else 500
            raise self._error_for(status, str(err.get("message") or "stream error"),
                                  err.get("grpc_code"), "GET", path, None)
        result = item.get("result")
        if not isinstance(result, dict):
            raise InvalidResponse("a stream line has no result", method="GET", path=path)
        return result

    def _call(self, method: str, path: str, *, params: Mapping[str, Any] | None,
              json_body: Any, idempotent: bool | None, auth: bool, project: str | None,
              stream: bool = False, timeout: tuple[float, float] | None = None,
              stream_probe: bool = False) -> requests.Response:
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        if auth and self._token is None and self.can_login:
            self.login()
        relogged = False
        while True:
            response = self._send(method, path, params, json_body, retry=idempotent,
                                  headers=self._auth_headers() if auth else {},
                                  stream=stream, timeout=timeout)
            # A 401 means the server did not act on the request, so sending it
            # again after a fresh login is safe even for a sync.
            if response.status_code == 401 and auth and self.can_login and not relogged:
                response.close()
                log.info("the session expired; logging in again")
                self._token = None
                self.login()
                relogged = True
                continue
            if response.status_code >= 400:
                if stream_probe and response.status_code in STREAM_MISSING_STATUSES \
                        and self._error_body(response) is None:
                    status = response.status_code
                    response.close()
                    raise StreamUnavailable("the server does not serve this stream",
                                            status=status, method=method, path=path)
                try:
                    raise self._error_from(response, method, path, project)
                finally:
                    response.close()
            return response

    def _send(self, method: str, path: str, params: Mapping[str, Any] | None, json_body: Any, *,
              retry: bool, headers: dict[str, str], stream: bool,
              timeout: tuple[float, float] | None) -> requests.Response:
        url = self.base_url + path
        if method != "GET":
            headers = {**headers, "Content-Type": JSON}
        attempts = self.retries + 1 if retry else 1
        for attempt in range(attempts):
            last = attempt + 1 >= attempts
            try:
                with warnings.catch_warnings():
                    if self.verify is False:
                        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                    response = self._http.request(
                        method, url, params=_encode_params(params),
                        json=json_body, headers=headers, timeout=timeout or self.timeout,
                        verify=self.verify, stream=stream, allow_redirects=False)
            except requests.exceptions.SSLError as exc:
                raise TLSError(self.redact(f"TLS handshake with {self.base_url} failed: "
                                           f"{_reason(exc)}"), method=method, path=path) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise TransportError(
                        self.redact(f"cannot reach {self.base_url}: {_reason(exc)}"),
                        method=method, path=path) from None
                log.info("%s %s: %s; retrying", method, path, type(exc).__name__)
                self._sleep(attempt, None)
                continue
            except (requests.RequestException, ValueError) as exc:
                # InvalidHeader and friends quote the header value: redact.
                raise TransportError(self.redact(f"the request could not be sent: "
                                                 f"{_reason(exc)}"),
                                     method=method, path=path) from None
            log.debug("%s %s -> %s", method, path, response.status_code)
            if response.status_code in RETRY_STATUSES and not last:
                retry_after = response.headers.get("Retry-After")
                response.close()
                log.info("%s %s: HTTP %s; retrying", method, path, response.status_code)
                self._sleep(attempt, retry_after)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        delay = min(self.max_backoff, self.backoff * (2 ** attempt))
        delay *= 0.5 + random.random() / 2  # jitter, so clients do not retry in step
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, min(float(retry_after), self.max_backoff))
        time.sleep(delay)

    # -- decoding and errors ----------------------------------------------
    def _decode(self, response: requests.Response, method: str, path: str) -> Any:
        try:
            return response.json()
        except ValueError:
            ctype = response.headers.get("Content-Type", "")
            raise InvalidResponse(
                f"expected JSON, got {ctype or 'no content type'} "
                f"({len(response.content)} bytes)", status=response.status_code,
                method=method, path=path,
                hint="is the server address the Argo CD API, not a login page or proxy?",
            ) from None

    @staticmethod
    def _error_body(response: requests.Response) -> dict | None:
        try:
            body = response.json()
        except ValueError:
            return None
        if isinstance(body, dict) and ("message" in body or "error" in body):
            return body
        return None

    def _error_from(self, response: requests.Response, method: str, path: str,
                    project: str | None) -> ArgoCDError:
        body = self._error_body(response)
        if body is not None:
            message = str(body.get("message") or body.get("error") or "")
            code = body.get("code") if isinstance(body.get("code"), int) else None
        else:
            # Redact before cutting: a cut could leave half a secret unmatched.
            raw = response.content.decode("utf-8", errors="replace")
            text = self.redact(raw).strip().splitlines()
            message = text[0][:200] if text else ""
            code = None
        return self._error_for(response.status_code, message or response.reason or "error",
                               code, method, path, project)

    def _error_for(self, status: int, message: str, code: Any, method: str, path: str,
                   project: str | None) -> ArgoCDError:
        message = self.redact(message)
        code = code if isinstance(code, int) else None
        kwargs = dict(status=status, code=code, method=method, path=path)
        if status == 401:
            return Unauthenticated(message, **kwargs)
        if status == 403:
            return PermissionDenied(message, **kwargs)
        if status == 404:
            return NotFound(message, project=project, **kwargs)
        if OPERATION_IN_PROGRESS_TEXT in message.lower() and \
                (code in (None, GRPC_FAILED_PRECONDITION) or status == 409):
            return OperationInProgress(message, **kwargs)
        if status >= 500:
            return ServerError(message, **kwargs)
        return BadRequest(message, **kwargs)


def _reason(exc: BaseException) -> str:
    """The innermost useful reason of a requests/urllib3 exception."""
    seen = exc
    while True:
        inner = getattr(seen, "reason", None) or (seen.args[0] if seen.args else None)
        if isinstance(inner, BaseException) and inner is not seen:
            seen = inner
            continue
        break
    text = str(seen) or type(seen).__name__
    return text.splitlines()[0][:300]
