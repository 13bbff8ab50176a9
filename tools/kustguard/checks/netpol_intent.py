"""Every reachability intent of the environment holds.

Intents in `overlays/<env>/environment.yaml` state what must be reachable
or not (format in docs/netpol.md). Each is checked against the overlay's
computed reachability; a violation names the policy rules that let the
traffic through, or the side that refuses it and the policies isolating
it. A malformed intent stops the run (exit 2).

Passing::

    intents:
      - name: only todo reaches mysql
        to: {namespace: todo, pods: {app: mysql}}
        port: 3306
        only-from: [{namespace: todo, pods: {app: todo}}]
    # and the only policy admitting anything to mysql:
    kind: NetworkPolicy
    metadata: {name: mysql, namespace: todo}
    spec:
      podSelector: {matchLabels: {app: mysql}}
      ingress:
        - from: [{podSelector: {matchLabels: {app: todo}}}]
          ports: [{port: 3306}]

Failing::

    # the same intent, while this policy admits every pod of todo to mysql
    kind: NetworkPolicy
    metadata: {name: mysql, namespace: todo}
    spec:
      podSelector: {matchLabels: {app: mysql}}
      ingress: [{from: [{podSelector: {}}]}]
"""
from __future__ import annotations

import os
from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity
from kustguard.netpol.engine import reachability_of
from kustguard.netpol.intents import evaluate, parse_intents

ID = "netpol-intent"
SEVERITY = Severity.ERROR
FAMILY = "network"
# Beyond this many offending pairs per intent, the rest are counted, not listed.
MAX_PER_INTENT = 5


def check(ctx: OverlayContext) -> Iterator[Finding]:
    env = ctx.environment
    if env is None or not env.intents:
        return
    reach = reachability_of(ctx.index)
    for source in env.intents:
        try:
            file = os.path.relpath(source.path, ctx.repo_root)
        except ValueError:
            file = str(source.path)
        yield from _check_file(ctx, parse_intents(source.entries, source.path), reach, file)


def _check_file(ctx: OverlayContext, intents, reach, file: str) -> Iterator[Finding]:
    for intent in intents:
        violations = evaluate(intent, reach)
        shown = violations[:MAX_PER_INTENT]
        for i, violation in enumerate(shown):
            message = f"intent {intent.name!r}: {violation.message}"
            if i == len(shown) - 1 and len(violations) > len(shown):
                message += f" (and {len(violations) - len(shown)} more)"
            yield ctx.report(
                None, message, file=file, line=intent.line,
                hint="change the policies named above, or the intent if it is out of date",
                extra={"intent": intent.name},
            )
