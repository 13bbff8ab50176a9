"""No rendered Secret holds a value that did not come from the SOPS plugin.

Runs on every rendered entry point, whatever its folder and however the
Secret got there: a manifest, a kustomize ``secretGenerator`` with
``literals`` or plain files, a patch, a remote base, or a Helm chart. In
validation the SOPS plugin renders its Secrets shape-only, every value
replaced by the placeholder ``kustguard-shape-only``; any other value is
plaintext that git keeps forever. A Secret with no values (a ServiceAccount
token request, a Secret a controller fills in) passes. Only key names are
reported, never values.

A stream given on stdin (``kustguard validate -``) should be rendered
shape-only too (``KUSTGUARD_SOPS_SHAPE_ONLY=1``): decrypted values are
plaintext to this check.

Passing::

    # base/db/secret-generator.yaml: the SOPS plugin's generator
    kind: SopsSecretGenerator
    metadata:
      name: db
      annotations:
        config.kubernetes.io/function: |
          exec: {path: kustguard-sops}
    files: [credentials.sops.yaml]

Failing::

    # base/todo/leak.yaml, listed in resources
    kind: Secret
    metadata: {name: leak}
    stringData:
      password: hunter2
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity

ID = "secret-rendered"
SEVERITY = Severity.ERROR
FAMILY = "secrets"

# The value the SOPS plugin writes in shape-only mode (kustguard.sops.generate,
# not imported: it costs a validate 0.3 s; a test keeps the two equal).
PLACEHOLDER = "kustguard-shape-only"
HINT = ("encrypt the values with sops into a *.sops.yaml file and generate the Secret with the "
        "SOPS plugin; rotate them, they are in git history")


def _is_placeholder(value: object, encoded: bool) -> bool:
    if value is None or value == "":
        return True
    text = str(value)
    if encoded:
        try:
            text = base64.b64decode(text, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return False
    return text == PLACEHOLDER


def plaintext_keys(obj: dict) -> tuple[str, list[str]]:
    """(field, keys) of a Secret's values that are not the plugin's placeholder."""
    found: dict[str, list[str]] = {}
    for field, encoded in (("data", True), ("stringData", False)):
        values = obj.get(field)
        if isinstance(values, dict):
            keys = [str(k) for k, v in values.items() if not _is_placeholder(v, encoded)]
            if keys:
                found[field] = keys
    field = next(iter(found), "")
    return field, sorted(k for keys in found.values() for k in keys)


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for secret in ctx.index.of_kind("Secret"):
        field, keys = plaintext_keys(secret.obj)
        if keys:
            yield ctx.report(secret, f"Secret {secret.name!r} holds plaintext values "
                                     f"(keys: {', '.join(keys)})", hint=HINT, path=(field,))
