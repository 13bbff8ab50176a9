"""The check registry.

A check is one module in this package with:

- ``ID``: a stable kebab-case id, used in reports and suppressions;
- ``SEVERITY``: its default :class:`~kustguard.findings.Severity`;
- ``FAMILY``: the report section it belongs to (secrets, probes, ...);
- ``SCOPE``: ``"overlay"`` (runs on each rendered overlay) or ``"repo"``
  (runs once on the repository's source files);
- a module docstring: its documentation, with a passing and a failing example;
- ``check(ctx)``: a generator of findings, made with ``ctx.report(...)``.

Optional: ``KUBE_LINTER`` and ``CHECKOV``, the ids of the peers' equivalent
checks, whose ignore annotations are honoured too.

A new check is one new module here plus its tests; nothing else to register.
"""
from __future__ import annotations

import dataclasses

import importlib
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from kustguard.environment import Environment
from kustguard.findings import Finding, ObjectRef, Severity
from kustguard.index import Index
from kustguard.resources import FieldPath, Resource, format_field

SUPPRESS_PREFIX = "ignore-check.kustguard.io/"
KUBE_LINTER_PREFIX = "ignore-check.kube-linter.io/"
CHECKOV_SKIP_PREFIX = "checkov.io/skip"


@dataclass(frozen=True)
class CheckInfo:
    id: str
    severity: Severity
    family: str
    scope: str
    doc: str
    module: ModuleType
    kube_linter: tuple[str, ...] = ()
    checkov: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.id


@cache
def all_checks() -> tuple[CheckInfo, ...]:
    infos = []
    for mod_info in pkgutil.iter_modules(__path__):
        if mod_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{mod_info.name}")
        if not hasattr(module, "ID"):
            continue
        infos.append(CheckInfo(
            id=module.ID,
            severity=module.SEVERITY,
            family=getattr(module, "FAMILY", "general"),
            scope=getattr(module, "SCOPE", "overlay"),
            doc=module.__doc__ or "",
            module=module,
            kube_linter=tuple(getattr(module, "KUBE_LINTER", ())),
            checkov=tuple(getattr(module, "CHECKOV", ())),
        ))
    ids = [i.id for i in infos]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:  # a packaging mistake, caught by every test run
        raise RuntimeError(f"two check modules share the ids {sorted(dupes)}")
    return tuple(sorted(infos, key=lambda i: (i.family, i.id)))


def check_by_id(check_id: str) -> CheckInfo | None:
    return next((c for c in all_checks() if c.id == check_id), None)


@dataclass(kw_only=True)
class CheckContext:
    """What every check sees; a check gets an OverlayContext or a RepoContext."""

    repo_root: Path
    overlay: str = ""
    # Files of the repository (repo-relative) a check may read.
    files: list[str] = field(default_factory=list)
    info: CheckInfo | None = None
    severity: Severity = Severity.ERROR
    # The repository's settings (None in unit tests that give none).
    config: Any = None

    @property
    def _index(self) -> Index | None:
        return None

    def report(self, resource: Resource | None, message: str, *, hint: str = "",
               path: FieldPath = (), file: str = "", line: int = 0,
               severity: Severity | None = None, extra: dict[str, Any] | None = None) -> Finding:
        assert self.info is not None
        obj = None
        if resource is not None:
            obj = ObjectRef(resource.kind,
                            self._index.namespace_of(resource) if self._index else resource.namespace,
                            resource.name)
            if not file:
                file, line = resource.location(path)
        return Finding(
            check_id=self.info.id,
            severity=severity or self.severity,
            message=message,
            overlay=self.overlay,
            object=obj,
            file=file,
            line=line,
            field=format_field(path),
            hint=hint,
            extra=extra or {},
        )


@dataclass(kw_only=True)
class OverlayContext(CheckContext):
    """An overlay-scope check's view: one rendered entry point."""

    index: Index
    environment: Environment
    # The schema backend for the overlay's Kubernetes version (schema check only).
    schema: Any = None

    @property
    def _index(self) -> Index | None:
        return self.index


@dataclass(kw_only=True)
class RepoContext(CheckContext):
    """A repo-scope check's view: the repository's files, once per run."""


def suppression_reason(resource: Resource | None, info: CheckInfo) -> str | None:
    """The written reason an object gives to skip a check, or None.

    Our own annotation needs a non-empty reason; kube-linter's and Checkov's
    are honoured for their equivalent checks.
    """
    if resource is None:
        return None
    annotations = resource.annotations
    own = annotations.get(SUPPRESS_PREFIX + info.id)
    if own is not None and str(own).strip():
        return str(own).strip()
    for peer_id in info.kube_linter:
        reason = annotations.get(KUBE_LINTER_PREFIX + peer_id)
        if reason is not None and str(reason).strip():
            return str(reason).strip()
    for key, value in annotations.items():
        if key.startswith(CHECKOV_SKIP_PREFIX):
            # checkov.io/skipN: CKV_K8S_NN=reason
            peer, _, reason = str(value).partition("=")
            if peer.strip() in info.checkov:
                return reason.strip() or f"skipped for Checkov {peer.strip()}"
    return None


def run_checks(ctx_base: CheckContext, checks: list[tuple[CheckInfo, Severity]],
               scope: str) -> Iterator[tuple[Finding, bool]]:
    """Run every enabled check of one scope; yield (finding, suppressed)."""
    for info, severity in checks:
        if info.scope != scope:
            continue
        ctx = dataclasses.replace(ctx_base, info=info, severity=severity)
        for finding in info.module.check(ctx):
            resource = None
            if finding.object is not None and ctx._index is not None:
                ref = finding.object
                resource = ctx._index.get(ref.kind, ref.namespace, ref.name)
            yield finding, suppression_reason(resource, info) is not None
