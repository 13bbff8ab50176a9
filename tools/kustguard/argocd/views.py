"""Plain data for ``get``, ``history`` and ``list``: what a person or a script reads.

Each view is built from what the API returned (the Application, its
resource tree) and turns into a dict for ``--output json``; the table
module renders the same views as text.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from kustguard.argocd.status import AppStatus, get_path


def _get(obj: Any, *keys: str, default: Any = "") -> Any:
    return get_path(obj, *keys, default=default)


@dataclass(frozen=True)
class TreeNode:
    """A resource of the app's tree; ``depth`` 0 is a resource the app manages."""

    kind: str
    name: str
    namespace: str
    group: str
    health: str
    message: str
    sync: str
    depth: int

    @property
    def ref(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{where}{self.name}"

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, **asdict(self)}


def tree_nodes(tree: dict | None, app: dict) -> list[TreeNode]:
    """The tree's nodes, each managed resource followed by its children
    (ReplicaSets, Pods), depth first; sync status from the app's resources."""
    nodes = [n for n in _get(tree, "nodes", default=[]) or [] if isinstance(n, dict)]
    sync_of = {(r.get("group") or "", r.get("kind"), r.get("namespace") or "", r.get("name")):
               r.get("status") or "" for r in _get(app, "status", "resources", default=[]) or []
               if isinstance(r, dict)}
    by_uid = {n.get("uid"): n for n in nodes if n.get("uid")}
    children: dict[str, list[dict]] = {}
    roots: list[dict] = []
    for node in nodes:
        parents = [p.get("uid") for p in node.get("parentRefs") or [] if isinstance(p, dict)]
        known = [uid for uid in parents if uid in by_uid]
        if known:
            children.setdefault(known[0], []).append(node)
        else:
            roots.append(node)

    out: list[TreeNode] = []
    seen: set[int] = set()

    def visit(node: dict, depth: int) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        key = (node.get("group") or "", node.get("kind"), node.get("namespace") or "",
               node.get("name"))
        out.append(TreeNode(kind=str(node.get("kind") or ""), name=str(node.get("name") or ""),
                            namespace=str(node.get("namespace") or ""),
                            group=str(node.get("group") or ""),
                            health=str(_get(node, "health", "status")),
                            message=str(_get(node, "health", "message")),
                            sync=str(sync_of.get(key, "")), depth=depth))
        for child in children.get(node.get("uid") or "", []):
            visit(child, depth + 1)

    for root in roots:
        visit(root, 0)
    return out


@dataclass
class AppDetails:
    """``get``: the summary, the conditions and the resource tree with health."""

    status: AppStatus
    repo: str
    path: str
    target_revision: str
    destination: str
    conditions: list[dict[str, str]] = field(default_factory=list)
    resources: list[TreeNode] = field(default_factory=list)

    @classmethod
    def from_app(cls, app: dict, tree: dict | None) -> "AppDetails":
        spec = _get(app, "spec", default={})
        source = spec.get("source") or next(iter(spec.get("sources") or []), {}) or {}
        dest = spec.get("destination") or {}
        conditions = [{"type": str(c.get("type") or ""), "message": str(c.get("message") or "")}
                      for c in _get(app, "status", "conditions", default=[]) or []
                      if isinstance(c, dict)]
        return cls(status=AppStatus.from_app(app, tree), repo=str(source.get("repoURL") or ""),
                   path=str(source.get("path") or source.get("chart") or ""),
                   target_revision=str(source.get("targetRevision") or "HEAD"),
                   destination=f"{dest.get('server') or dest.get('name') or ''}"
                               f"/{dest.get('namespace') or ''}",
                   conditions=conditions, resources=tree_nodes(tree, app))

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status.to_dict(), "repo": self.repo, "path": self.path,
                "targetRevision": self.target_revision, "destination": self.destination,
                "conditions": self.conditions,
                "resources": [r.to_dict() for r in self.resources]}


@dataclass(frozen=True)
class HistoryEntry:
    """One deployment of the app; ``id`` is what ``rollback`` takes."""

    id: int
    revision: str
    deployed_at: str
    initiated_by: str

    @classmethod
    def from_wire(cls, entry: dict) -> "HistoryEntry":
        who = entry.get("initiatedBy") or {}
        by = "automated" if who.get("automated") else str(who.get("username") or "")
        revision = entry.get("revision") or ",".join(entry.get("revisions") or [])
        return cls(id=int(entry.get("id") or 0), revision=str(revision),
                   deployed_at=str(entry.get("deployedAt") or ""), initiated_by=by)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "revision": self.revision, "deployedAt": self.deployed_at,
                "initiatedBy": self.initiated_by}
