"""A small Argo CD REST client on ``requests``, and the ``kustguard argocd`` commands.

    from kustguard.argocd import ArgoCD, Session, wait_for

    with ArgoCD(Session.from_env()) as argocd:
        app = argocd.sync("k3d-web", prune=True)
        result = wait_for(argocd, "k3d-web", timeout=300, app=app)
"""
from kustguard.argocd.client import ArgoCD
from kustguard.argocd.errors import (
    ArgoCDError,
    BadRequest,
    InvalidResponse,
    NotFound,
    OperationInProgress,
    PermissionDenied,
    ServerError,
    TLSError,
    TransportError,
    Unauthenticated,
)
from kustguard.argocd.options import RetryPolicy, SyncResource
from kustguard.argocd.session import Session
from kustguard.argocd.status import AppStatus, ResourceProblem
from kustguard.argocd.wait import Goal, Outcome, Waiter, WaitResult, wait_for

__all__ = [
    "AppStatus", "ArgoCD", "ArgoCDError", "BadRequest", "Goal", "InvalidResponse", "NotFound",
    "OperationInProgress", "Outcome", "PermissionDenied", "ResourceProblem", "RetryPolicy",
    "ServerError", "Session", "SyncResource", "TLSError", "TransportError", "Unauthenticated",
    "WaitResult", "Waiter", "wait_for",
]
