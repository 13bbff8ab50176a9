"""Argo CD Applications and ApplicationSets point at folders of this repository that exist and build.

An Application whose path is missing (a renamed overlay, a typo) syncs
nothing and reports ComparisonError; an ApplicationSet git generator whose
glob matches no folder quietly generates no Application at all, or deletes
the ones it generated before.

Which sources are this repository's:

1. a source whose ``repoURL`` equals the overlay environment's
   ``settings.repo-url`` (compared without scheme, user, ``.git`` and case,
   so ``git@host:org/repo.git`` and ``https://host/org/repo`` are equal);
2. a source whose ``repoURL`` is a placeholder: empty, on a reserved example
   domain (``example.com``/``.org``/``.net``, ``*.example``, ``*.invalid``,
   ``*.test``), or holding a ``<...>``, ``CHANGEME``/``REPLACE-ME`` or
   ``your-`` marker;
3. any other source whose path exists in this repository (then only the
   kustomization is checked, since the folder is evidently this repo's).

Any other source (another repository, a Helm chart repository) is not
checked, nor is a templated value (``{{...}}``). For this repository's
sources the path must stay inside the repository, exist, and hold a
kustomization (the repo's ``kustguard`` config-management plugin runs
``kustomize build`` too); a source declaring ``directory:`` only needs the
folder, one declaring ``helm:`` needs a Chart.yaml. An ApplicationSet git
directory generator's ``directories[].path`` glob (``*`` stays within one
folder level, as in Go's path.Match) must match at least one folder with a
kustomization that no ``exclude: true`` entry removes. The check reads the
working tree being validated, not the branch ``targetRevision`` names.

A kustomization folder Argo CD syncs must also be one that validation
renders: an entry point (the ``entry-points`` setting) or a folder an entry
point includes. Otherwise whatever it holds (a cluster-admin binding, a
plaintext Secret) reaches the cluster without any check having seen it.

Passing::

    kind: Application
    spec:
      source:
        repoURL: https://git.example.com/ops/gitops.git   # placeholder: this repo
        path: overlays/k3d/todo                           # has kustomization.yaml

Failing::

    kind: ApplicationSet
    spec:
      generators:
        - git:
            repoURL: https://git.example.com/ops/gitops.git
            directories:
              - path: overlays/k3d/apps/*                 # no such folders
"""
from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity
from kustguard.kustomization import KUSTOMIZATION_NAMES, find_kustomization
from kustguard.resources import FieldPath, Resource

ID = "argocd-app-path"
SEVERITY = Severity.ERROR
FAMILY = "argocd"

REPO_URL_SETTING = "repo-url"
_SCP = re.compile(r"^(?:[^@/]+@)?([^:/]+):(?!//)(.*)$")
_PLACEHOLDER = re.compile(r"<[^>]*>|change-?me|replace-?me|your[-_]", re.IGNORECASE)
_EXAMPLE_HOSTS = ("example.com", "example.org", "example.net")
_RESERVED_TLDS = ("example", "invalid", "test")


def normalize_repo_url(url: str) -> str:
    """host/path, lower case, without scheme, user, port, '.git' or slashes."""
    url = url.strip()
    scp = _SCP.match(url) if "://" not in url else None
    if scp:
        host, path = scp.group(1), scp.group(2)
    else:
        parts = urlsplit(url)
        host, path = parts.hostname or "", parts.path
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[:-4]
    return f"{host.lower()}/{path.lower()}"


def is_placeholder(url: str) -> bool:
    if not url.strip():
        return True
    if _PLACEHOLDER.search(url):
        return True
    host = normalize_repo_url(url).split("/", 1)[0]
    return (host in _EXAMPLE_HOSTS or host.endswith(tuple("." + h for h in _EXAMPLE_HOSTS))
            or host.rpartition(".")[2] in _RESERVED_TLDS)


def _templated(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Go path.Match semantics: '*' and '?' never cross '/', [...] classes."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1:end]
                if body.startswith("^"):
                    body = "^" + body[1:].replace("\\", "\\\\")
                else:
                    body = body.replace("\\", "\\\\")
                out.append(f"(?:(?!/)[{body}])")
                i = end
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z")


class _Repo:
    """This repository's folders, looked up lazily."""

    def __init__(self, ctx: OverlayContext) -> None:
        self.root = ctx.repo_root
        self._files = ctx.files
        self._kustomization_dirs: list[str] | None = None
        self._rendered: tuple[list[str], set[str]] | None = None

    def rendered(self) -> tuple[list[str], set[str]]:
        """(entry points, every folder validation renders), repo-relative."""
        if self._rendered is None:
            from kustguard.discover import discover
            from kustguard.errors import InputError
            from kustguard.kustomization import dependencies

            root = self.root.resolve()
            entries = discover(self.root)
            folders: set[str] = set()
            for entry in entries:
                folders.add(entry.name)
                try:
                    deps = dependencies(entry.path)
                except InputError:
                    continue  # rendering that entry point reports it
                for folder in deps.folders:
                    try:
                        folders.add(folder.resolve().relative_to(root).as_posix() or ".")
                    except ValueError:
                        continue
            self._rendered = ([e.name for e in entries], folders)
        return self._rendered

    def not_rendered(self, rel: str) -> str:
        """Why validation never renders the kustomization folder rel, or ''."""
        entries, folders = self.rendered()
        if posixpath.normpath(rel) in folders:
            return ""
        return (f"no entry point renders it (entry points: {', '.join(entries) or 'none'}), "
                "so no check sees what it deploys")

    def inside(self, rel: str) -> str | None:
        """A normalized repo-relative path, or None when it leaves the repo."""
        if rel.startswith("/"):
            return None
        norm = posixpath.normpath(rel or ".")
        return None if norm == ".." or norm.startswith("../") else norm

    def is_dir(self, rel: str) -> bool:
        return (self.root / rel).is_dir()

    def kustomization_dirs(self) -> list[str]:
        if self._kustomization_dirs is None:
            files = self._files
            if not files:
                from kustguard.pipeline import repo_files  # lazy: pipeline imports checks
                files = repo_files(self.root)
            names = set(KUSTOMIZATION_NAMES)
            self._kustomization_dirs = sorted({
                posixpath.dirname(f) or "." for f in files if posixpath.basename(f) in names})
        return self._kustomization_dirs


def _is_ours(ctx: OverlayContext, repo: _Repo, url: Any, probe: str | None) -> bool:
    """Rule 1, 2 or 3 of the docstring; probe is a path that must exist for rule 3."""
    url = "" if url is None else str(url)
    settings = ctx.environment.settings if ctx.environment else {}
    own = settings.get(REPO_URL_SETTING)
    if own and normalize_repo_url(str(own)) == normalize_repo_url(url):
        return True
    if is_placeholder(url):
        return True
    return probe is not None and repo.is_dir(probe)


def _sources(spec: Any, base: FieldPath) -> Iterator[tuple[dict, FieldPath]]:
    if not isinstance(spec, dict):
        return
    if isinstance(spec.get("source"), dict):
        yield spec["source"], base + ("source",)
    sources = spec.get("sources")
    for i, source in enumerate(sources if isinstance(sources, list) else []):
        if isinstance(source, dict):
            yield source, base + ("sources", i)


def _check_source(ctx: OverlayContext, repo: _Repo, res: Resource, source: dict,
                  at: FieldPath) -> Iterator[Finding]:
    if source.get("chart") or ("path" not in source and source.get("ref")):
        return  # a Helm chart repository, or a multi-source values reference
    url, raw = source.get("repoURL"), source.get("path", "")
    if _templated(url) or _templated(raw):
        return
    raw = "" if raw is None else str(raw)
    rel = repo.inside(raw)
    where = at + (("path",) if "path" in source else ())
    if not _is_ours(ctx, repo, url, rel):
        return
    if rel is None:
        yield ctx.report(res, f"source path {raw!r} leaves the repository",
                         hint="give a path relative to the repository root", path=where)
        return
    if not repo.is_dir(rel):
        yield ctx.report(res, f"source path {raw!r} does not exist in this repository",
                         hint="fix the path (overlays/<env>/<component>) or add the folder",
                         path=where)
        return
    folder = repo.root / rel
    if "directory" in source:
        return
    if "helm" in source:
        if not (folder / "Chart.yaml").is_file():
            yield ctx.report(res, f"source path {raw!r} declares helm but has no Chart.yaml",
                             hint="point it at a chart folder", path=where)
        return
    if find_kustomization(Path(folder)) is None:
        yield ctx.report(res, f"source path {raw!r} has no kustomization",
                         hint="add a kustomization.yaml there, or set source.directory "
                              "for plain manifests", path=where)
        return
    why = repo.not_rendered(rel)
    if why:
        yield ctx.report(res, f"source path {raw!r}: {why}", hint=UNRENDERED_HINT, path=where)


def _git_generators(generators: Any, base: FieldPath) -> Iterator[tuple[dict, FieldPath]]:
    """git generators, including those nested in matrix and merge generators."""
    for i, gen in enumerate(generators if isinstance(generators, list) else []):
        if not isinstance(gen, dict):
            continue
        if isinstance(gen.get("git"), dict):
            yield gen["git"], base + (i, "git")
        for combinator in ("matrix", "merge"):
            inner = gen.get(combinator)
            if isinstance(inner, dict):
                yield from _git_generators(inner.get("generators"),
                                           base + (i, combinator, "generators"))


def _literal_prefix(glob: str) -> str:
    parts = []
    for part in glob.split("/"):
        if any(c in part for c in "*?[\\"):
            break
        parts.append(part)
    return "/".join(parts)


def _check_git_directories(ctx: OverlayContext, repo: _Repo, res: Resource, git: dict,
                           at: FieldPath) -> Iterator[Finding]:
    directories = git.get("directories")
    if not isinstance(directories, list) or _templated(git.get("repoURL")):
        return
    entries = [(j, d) for j, d in enumerate(directories)
               if isinstance(d, dict) and isinstance(d.get("path"), str)]
    includes = [(j, d["path"]) for j, d in entries if not d.get("exclude")]
    excludes = [glob_to_regex(d["path"].strip("/")) for _j, d in entries if d.get("exclude")]
    for j, pattern in includes:
        if _templated(pattern):
            continue
        glob = pattern.strip("/")
        if not _is_ours(ctx, repo, git.get("repoURL"), repo.inside(_literal_prefix(glob))):
            continue
        regex = glob_to_regex(glob)
        matched = [d for d in repo.kustomization_dirs()
                   if regex.match(d) and not any(x.match(d) for x in excludes)]
        if not matched:
            yield ctx.report(
                res,
                f"git directory generator path {pattern!r} matches no folder with a kustomization",
                hint="fix the glob ('*' matches one folder level) or add the folders",
                path=at + ("directories", j, "path"))
            continue
        unrendered = [d for d in matched if repo.not_rendered(d)]
        if unrendered:
            yield ctx.report(
                res, f"git directory generator path {pattern!r} matches {unrendered[0]!r}: "
                     f"{repo.not_rendered(unrendered[0])}",
                hint=UNRENDERED_HINT, path=at + ("directories", j, "path"))


UNRENDERED_HINT = ("add the folder to an entry point's kustomization, or add an entry-points "
                   "glob that matches it")


def check(ctx: OverlayContext) -> Iterator[Finding]:
    repo = _Repo(ctx)
    for res in ctx.index.of_kind("Application", "ApplicationSet"):
        if not res.api_version.startswith("argoproj.io/"):
            continue
        if res.kind == "Application":
            for source, at in _sources(res.get("spec"), ("spec",)):
                yield from _check_source(ctx, repo, res, source, at)
            continue
        for source, at in _sources(res.get("spec", "template", "spec"), ("spec", "template", "spec")):
            yield from _check_source(ctx, repo, res, source, at)
        for git, at in _git_generators(res.get("spec", "generators"), ("spec", "generators")):
            yield from _check_git_directories(ctx, repo, res, git, at)
