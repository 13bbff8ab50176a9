"""Small typed views of what the API returns: an app's status, its problems.

Argo CD 3.x keeps per-resource health in the resource tree, not in the
Application (``status.resourceHealthSource: appTree``), so resource problems
are read from the tree's nodes.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

TERMINAL_PHASES = frozenset({"Succeeded", "Failed", "Error"})
FAILED_PHASES = frozenset({"Failed", "Error"})
BAD_HEALTH = frozenset({"Degraded", "Missing", "Unknown", "Progressing", "Suspended"})


def get_path(obj: Any, *keys: str, default: Any = None) -> Any:
    """obj[k1][k2]..., or default where a step is missing, null or not a mapping."""
    for key in keys:
        if not isinstance(obj, dict):
            return default
        obj = obj.get(key)
    return default if obj is None else obj


@dataclass(frozen=True)
class ResourceProblem:
    """A resource that keeps the app from being Synced and Healthy."""

    kind: str
    name: str
    namespace: str = ""
    group: str = ""
    health: str = ""
    sync: str = ""
    message: str = ""

    @property
    def ref(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{where}{self.name}"

    def describe(self) -> str:
        state = ", ".join(s for s in (self.health, self.sync) if s)
        text = f"{self.ref} ({state})" if state else self.ref
        return f"{text}: {self.message}" if self.message else text

    def to_dict(self) -> dict[str, str]:
        return {"ref": self.ref, **asdict(self)}


def _problem_from(item: dict, health: str = "", sync: str = "", message: str = "") -> ResourceProblem:
    return ResourceProblem(kind=str(item.get("kind", "")), name=str(item.get("name", "")),
                           namespace=str(item.get("namespace") or ""),
                           group=str(item.get("group") or ""), health=health, sync=sync,
                           message=message)


def tree_problems(tree: dict | None, *, include_progressing: bool = True) -> list[ResourceProblem]:
    """Unhealthy nodes of a resource tree, managed ones first, then children.

    A child (a Pod under a Deployment) is listed too: its message is usually
    the one that tells why (CrashLoopBackOff, ImagePullBackOff).
    """
    bad = BAD_HEALTH if include_progressing else BAD_HEALTH - {"Progressing"}
    top: list[ResourceProblem] = []
    children: list[ResourceProblem] = []
    for node in get_path(tree, "nodes", default=[]) or []:
        if not isinstance(node, dict):
            continue
        status = get_path(node, "health", "status", default="")
        if status not in bad:
            continue
        problem = _problem_from(node, health=status,
                                message=str(get_path(node, "health", "message", default="")))
        (children if node.get("parentRefs") else top).append(problem)
    return top + children


def tree_is_healthy(tree: dict | None) -> bool:
    """True when no managed (top-level) node reports a health other than Healthy."""
    for node in get_path(tree, "nodes", default=[]) or []:
        if not isinstance(node, dict) or node.get("parentRefs"):
            continue
        status = get_path(node, "health", "status", default="")
        if status and status != "Healthy":
            return False
    return True


def sync_problems(app: dict) -> list[ResourceProblem]:
    """Resources the last operation failed to sync, then those OutOfSync."""
    out: list[ResourceProblem] = []
    seen: set[tuple[str, str, str]] = set()
    for res in get_path(app, "status", "operationState", "syncResult", "resources", default=[]) or []:
        if not isinstance(res, dict):
            continue
        if res.get("status") == "SyncFailed" or res.get("hookPhase") in ("Failed", "Error"):
            out.append(_problem_from(res, sync=str(res.get("status") or res.get("hookPhase")),
                                     message=str(res.get("message") or "")))
            seen.add((res.get("kind", ""), res.get("namespace", ""), res.get("name", "")))
    for res in get_path(app, "status", "resources", default=[]) or []:
        if not isinstance(res, dict) or res.get("status") != "OutOfSync":
            continue
        key = (res.get("kind", ""), res.get("namespace", ""), res.get("name", ""))
        if key not in seen:
            out.append(_problem_from(res, sync="OutOfSync"))
    return out


@dataclass
class AppStatus:
    """The few fields a person or a script looks at first."""

    name: str
    project: str
    sync: str
    health: str
    revision: str
    last_sync: str
    operation_running: bool
    phase: str
    message: str
    problems: list[ResourceProblem] = field(default_factory=list)

    @classmethod
    def from_app(cls, app: dict, tree: dict | None = None) -> "AppStatus":
        op_state = get_path(app, "status", "operationState", default={}) or {}
        problems = sync_problems(app)
        if tree is not None:
            problems = tree_problems(tree) + problems
        return cls(
            name=str(get_path(app, "metadata", "name", default="")),
            project=str(get_path(app, "spec", "project", default="default")),
            sync=str(get_path(app, "status", "sync", "status", default="Unknown")),
            health=str(get_path(app, "status", "health", "status", default="Unknown")),
            revision=str(get_path(app, "status", "sync", "revision", default="")),
            last_sync=str(op_state.get("finishedAt") or op_state.get("startedAt") or ""),
            operation_running=bool(app.get("operation")) or op_state.get("phase") in (
                "Running", "Terminating"),
            phase=str(op_state.get("phase") or ""),
            message=str(op_state.get("message") or ""),
            problems=problems,
        )

    @property
    def ok(self) -> bool:
        return (self.sync == "Synced" and self.health == "Healthy"
                and not self.operation_running and self.phase not in FAILED_PHASES)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["problems"] = [p.to_dict() for p in self.problems]
        return out
