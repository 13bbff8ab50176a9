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
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from kustguard.environment import Environment
from kustguard.errors import InputError
from kustguard.findings import INTERNAL_ERROR, Finding, ObjectRef, Severity
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
        if isinstance(key, str) and key.startswith(CHECKOV_SKIP_PREFIX):
            # checkov.io/skipN: CKV_K8S_NN=reason
            peer, _, reason = str(value).partition("=")
            if peer.strip() in info.checkov:
                return reason.strip() or f"skipped for Checkov {peer.strip()}"
    return None


# How many objects one check may fail on in one overlay before it is given up.
MAX_FAILED_OBJECTS = 20


def run_checks(ctx_base: CheckContext, checks: list[tuple[CheckInfo, Severity]],
               scope: str) -> Iterator[tuple[Finding, bool]]:
    """Run every enabled check of one scope; yield (finding, suppressed).

    A check that fails (a defect in it, met on some odd object) never stops
    the run: it becomes one `internal-error` finding naming the check and the
    object, and the check runs again without that object.
    """
    refusals: set[tuple[str, Any]] = set()
    for info, severity in checks:
        if info.scope != scope:
            continue
        ctx = dataclasses.replace(ctx_base, info=info, severity=severity)
        for finding, hidden in _run_guarded(ctx, info):
            if finding.extra.get("refused"):  # several checks read the same object model
                key = (finding.message, finding.object)
                if key in refusals:
                    continue
                refusals.add(key)
            yield finding, hidden


def _run_guarded(ctx: CheckContext, info: CheckInfo) -> Iterator[tuple[Finding, bool]]:
    yielded: Counter[Finding] = Counter()  # so far, to skip when the check runs again
    full_index = ctx._index
    left_out: list[Resource] = []
    while True:
        repeated = Counter(yielded)  # a re-run repeats what it found before the failure
        try:
            for finding in info.module.check(ctx):
                if repeated[finding] > 0:
                    repeated[finding] -= 1
                    continue
                yielded[finding] += 1
                resource = None
                if finding.object is not None and ctx._index is not None:
                    ref = finding.object
                    resource = ctx._index.get(ref.kind, ref.namespace, ref.name)
                yield finding, suppression_reason(resource, info) is not None
            return
        except Exception as exc:  # noqa: BLE001 - a check's defect must not end the run
            culprit = _culprit(exc)
            if isinstance(exc, InputError):
                # A check that finds an object the API server would refuse
                # (a NetworkPolicy's model, say) says so as a finding about
                # that object; bad input of any other kind still ends the run.
                if culprit is None:
                    raise
                yield refused(ctx, info, exc, culprit), False
            else:
                yield internal_error(ctx, info, exc, culprit), False
            if culprit is None or full_index is None or len(left_out) >= MAX_FAILED_OBJECTS \
                    or any(r is culprit for r in left_out):
                return
            left_out.append(culprit)
            ctx.index = full_index.without(left_out)


def _culprit(exc: BaseException) -> Resource | None:
    """The object a check was looking at when it failed: the innermost frame
    holding a Resource, and in it the one bound last (the inner loop's)."""
    frames = [frame for frame, _ in traceback.walk_tb(exc.__traceback__)]
    for frame in reversed(frames[1:]):  # frames[0] is the run loop's own
        found = [v for v in frame.f_locals.values() if isinstance(v, Resource)]
        if found:
            return found[-1]
    return None


def refused(ctx: CheckContext, info: CheckInfo, exc: InputError, resource: Resource) -> Finding:
    finding = ctx.report(resource, exc.message, hint=exc.hint or "", extra={"refused": True})
    if exc.path:
        finding = dataclasses.replace(finding, file=str(exc.path), line=exc.line or 0)
    return finding


def internal_error(ctx: CheckContext, info: CheckInfo, exc: BaseException,
                   resource: Resource | None) -> Finding:
    """The finding for a check that failed. Names the exception's type and
    the code line, never its text: that may quote a value from the object."""
    where = ""
    tb = traceback.extract_tb(exc.__traceback__)
    if tb:
        last = tb[-1]
        where = f" at {Path(last.filename).name}:{last.lineno}"
    obj, file, line = None, "", 0
    if resource is not None:
        obj = ObjectRef(resource.kind,
                        ctx.index.namespace_of(resource) if ctx.index else resource.namespace,
                        resource.name)
        try:
            file, line = resource.location(())
        except Exception:  # noqa: BLE001 - the report must not fail too
            file, line = resource.source, 0
    subject = "on this object" if resource is not None else "in this run"
    return Finding(
        check_id=INTERNAL_ERROR,
        severity=Severity.ERROR,
        message=f"check {info.id!r} failed {subject} ({type(exc).__name__}{where}); "
                "everything else was checked",
        overlay=ctx.overlay,
        object=obj,
        file=file,
        line=line,
        hint="a defect in kustguard: report it with this object; the run exits 2",
        extra={"check": info.id},
    )
