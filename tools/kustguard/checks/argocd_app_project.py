"""Every Argo CD Application stays in its environment's project.

An AppProject fences its Applications, but each Application names its own
project. An app-of-apps that syncs Applications from git lets any commit
move one into a wider project, such as ``default``, which Argo CD creates
with ``*`` everywhere. So:

1. no Application uses the ``default`` project (the install locks it);
2. an Application that deploys a folder of an environment (an entry point
   with an ``environment.yaml``, e.g. ``overlays/k3d``) uses the project
   named after that environment, or its admin-only project
   ``<env>-admin`` (cluster-scoped RBAC, synced by hand); an Application
   whose file sits in a folder named after the environment (what that
   environment's root app syncs, ``argocd/applications/k3d/``) uses exactly
   the environment's project.

A folder that no entry point renders is ``argocd-app-path``'s finding.

Applications of other repositories and Helm charts are not checked.

Passing::

    kind: Application
    metadata: {name: k3d-todo}
    spec:
      project: k3d
      source: {repoURL: https://git.example.com/ops/gitops.git, path: overlays/k3d/todo}

Failing::

    kind: Application
    metadata: {name: k3d-todo}
    spec:
      project: default                       # the unfenced project
      source: {repoURL: https://git.example.com/ops/gitops.git, path: overlays/k3d/todo}
"""
from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path

from kustguard.checks import OverlayContext
from kustguard.checks.argocd_app_path import _is_ours, _Repo, _sources
from kustguard.discover import discover
from kustguard.findings import Finding, Severity

ID = "argocd-app-project"
SEVERITY = Severity.ERROR
FAMILY = "argocd"

ENVIRONMENT_FILE = "environment.yaml"
LOCKED_PROJECT = "default"
ADMIN_SUFFIX = "-admin"


def _entry_points(repo_root: Path) -> list[tuple[str, bool]]:
    """(repo-relative folder, is an environment) of every entry point."""
    return [(entry.name, (entry.path / ENVIRONMENT_FILE).is_file())
            for entry in discover(repo_root)]


def _covering(entries: list[tuple[str, bool]], path: str) -> tuple[str, bool] | None:
    for name, is_env in entries:
        if path == name or path.startswith(name + "/"):
            return name, is_env
    return None


def check(ctx: OverlayContext) -> Iterator[Finding]:
    repo = _Repo(ctx)
    entries = _entry_points(ctx.repo_root)
    for app in ctx.index.of_kind("Application"):
        if not app.api_version.startswith("argoproj.io/"):
            continue
        project = app.get("spec", "project")
        if project == LOCKED_PROJECT or project in (None, ""):
            yield ctx.report(app, f"uses the project {project or '(none)'!r}, which has no fence",
                             hint="name the environment's AppProject", path=("spec", "project"))
            continue
        for source, at in _sources(app.get("spec"), ("spec",)):
            raw = source.get("path")
            if not isinstance(raw, str) or source.get("chart"):
                continue
            if not _is_ours(ctx, repo, source.get("repoURL"), raw):
                continue
            path = posixpath.normpath(raw.strip("/")) if raw.strip("/") else "."
            covering = _covering(entries, path)
            if covering is None:
                continue  # argocd-app-path: no entry point renders it
            name, is_env = covering
            environment = posixpath.basename(name)
            if not is_env or project == environment:
                continue
            synced_by_root = posixpath.basename(posixpath.dirname(app.source)) == environment
            if project != environment + ADMIN_SUFFIX or synced_by_root:
                yield ctx.report(app, f"deploys {path} of environment {environment!r} from "
                                      f"project {project!r}",
                                 hint=f"set spec.project to {environment!r}",
                                 path=("spec", "project"))
