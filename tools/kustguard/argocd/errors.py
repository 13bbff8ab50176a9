"""Typed errors for the Argo CD client.

Each carries what the server said (its gRPC-gateway ``message`` and gRPC
``code``), the HTTP status and the request that failed. Their text is built
by the session, which removes every secret it knows (token, password) before
the exception exists, so printing or logging one never leaks credentials.
"""
from __future__ import annotations

# gRPC status codes that the gateway maps onto HTTP statuses.
GRPC_INVALID_ARGUMENT = 3
GRPC_NOT_FOUND = 5
GRPC_PERMISSION_DENIED = 7
GRPC_FAILED_PRECONDITION = 9
GRPC_UNAVAILABLE = 14
GRPC_UNAUTHENTICATED = 16

OPERATION_IN_PROGRESS_TEXT = "another operation is already in progress"


class ArgoCDError(Exception):
    """Base class: something went wrong talking to Argo CD."""

    hint = ""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None,
                 method: str = "", path: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.method = method
        self.path = path
        if hint:
            self.hint = hint

    def __str__(self) -> str:
        where = f"{self.method} {self.path}: " if self.method else ""
        status = f" (HTTP {self.status}" + (f", code {self.code})" if self.code is not None
                                            else ")") if self.status else ""
        hint = f"; {self.hint}" if self.hint else ""
        return f"{where}{self.message}{status}{hint}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class TransportError(ArgoCDError):
    """The server could not be reached, or the connection broke."""


class TLSError(TransportError):
    """The server's certificate was not trusted."""

    hint = "pass --ca-bundle FILE with the CA that signed it (--insecure only for throwaway clusters)"


class InvalidResponse(ArgoCDError):
    """The server answered with something that is not the JSON expected."""


class Unauthenticated(ArgoCDError):
    """401: no token, or the token expired and no credentials allow a new login."""

    hint = "set ARGOCD_AUTH_TOKEN, or ARGOCD_USERNAME and ARGOCD_PASSWORD"


class PermissionDenied(ArgoCDError):
    """403: Argo CD answers this both for no access and for an app that does not exist."""

    hint = ("the app does not exist or your account may not access it "
            "(Argo CD does not say which); check the name and your RBAC")


class NotFound(ArgoCDError):
    """404: the object does not exist, or not in the project the request named."""

    def __init__(self, message: str, *, project: str | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.project = project
        if project:
            self.hint = (f"no such app in project {project!r}: it may not exist, "
                         "or it belongs to another project")


class OperationInProgress(ArgoCDError):
    """The app already runs an operation: wait for it or terminate it."""

    hint = "wait for it (argocd wait) or stop it (argocd terminate)"


class BadRequest(ArgoCDError):
    """Another 4xx: the server refused the request as written."""


class ServerError(ArgoCDError):
    """5xx from the server (after retries, for calls that are retried)."""


class StreamUnavailable(ArgoCDError):
    """The watch endpoint is not served here (e.g. a proxy strips streaming)."""


class StreamInterrupted(TransportError):
    """An open watch stream broke or went quiet; the caller reconnects."""
