"""A PodDisruptionBudget's selector matches at least one pod template in its namespace.

A PDB that selects nothing protects nothing: a node drain evicts the pods it
was meant to keep. ``matchLabels`` and ``matchExpressions`` are both
evaluated; an empty selector ``{}`` selects every pod of the namespace, and a
PDB without a selector selects none.

Passing::

    kind: PodDisruptionBudget
    spec:
      minAvailable: 1
      selector: {matchLabels: {app: web}}

Failing::

    kind: PodDisruptionBudget
    spec:
      minAvailable: 1
      selector: {matchLabels: {app: website}}   # no pod template has it
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.checks._selectors import PodTemplates
from kustguard.findings import Finding, Severity

ID = "pdb-selector"
SEVERITY = Severity.ERROR
FAMILY = "references"


def _describe(selector: dict) -> str:
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for e in selector.get("matchExpressions") or []:
        if isinstance(e, dict):
            values = ",".join(str(v) for v in e.get("values") or [])
            parts.append(f"{e.get('key')} {e.get('operator')} ({values})" if values
                         else f"{e.get('key')} {e.get('operator')}")
    return ", ".join(parts) or "everything"


def check(ctx: OverlayContext) -> Iterator[Finding]:
    templates = PodTemplates.of(ctx.index)
    for pdb in ctx.index.of_kind("PodDisruptionBudget"):
        ns = ctx.index.namespace_of(pdb)
        selector = pdb.get("spec", "selector")
        if not isinstance(selector, dict):
            yield ctx.report(
                pdb,
                f"PodDisruptionBudget {pdb.name!r} has no selector, so it selects no pods",
                hint="add spec.selector.matchLabels with the labels of the pods it protects",
                path=("spec",),
            )
            continue
        if templates.select_label_selector(ns, selector):
            continue
        yield ctx.report(
            pdb,
            f"PodDisruptionBudget {pdb.name!r} selects {_describe(selector)}, which no pod template in "
            f"namespace {ns!r} matches",
            hint="fix the selector or the workload's template labels",
            path=("spec", "selector"),
        )
