"""No plaintext Secret in the repository's files.

Every YAML or JSON file of the repository (``git ls-files``, or every file
outside git), in any folder, that is not SOPS-encrypted (named
``*.sops.yaml``, or carrying sops metadata) must hold no ``kind: Secret``
document with ``data`` or ``stringData``: git keeps every value forever. A kustomize ``secretGenerator``
with ``literals``, or with ``files``/``envs`` that are not SOPS files, is a
plaintext Secret too. A Secret with no data (a ServiceAccount token request)
passes. Only key names are reported, never values.

Passing::

    # base/db/credentials.sops.yaml, encrypted with `sops -e -i`
    kind: Secret
    metadata: {name: db}
    stringData:
      password: ENC[AES256_GCM,data:...,iv:...,tag:...,type:str]

Failing::

    # base/db/secret.yaml
    kind: Secret
    metadata: {name: db}
    stringData:
      password: hunter2
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kustguard.checks import RepoContext
from kustguard.checks._sops_files import (
    Document, is_sops_name, naming, read_text, yaml_documents,
)
from kustguard.findings import Finding, Severity
from kustguard.resources import Resource

ID = "secret-plaintext"
SEVERITY = Severity.ERROR
FAMILY = "secrets"
SCOPE = "repo"

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
KUSTOMIZATION_NAMES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})
SECRET_LINE = re.compile(r"^kind:\s*[\"']?Secret[\"']?\s*(#.*)?$", re.M)
HINT = ("encrypt it with sops into a *.sops.yaml file (sops -e -i, per .sops.yaml) and generate "
        "the Secret with the SOPS plugin; rotate the values, they are in git history")


def _keys(doc: dict) -> list[str]:
    keys: list[str] = []
    for field in ("data", "stringData"):
        values = doc.get(field)
        if isinstance(values, dict):
            keys.extend(str(k) for k, v in values.items() if v not in (None, ""))
    return keys


def _secret_findings(ctx: RepoContext, rel: str, docs: list[Document]) -> Iterator[Finding]:
    for doc in docs:
        obj = doc.obj
        if not isinstance(obj, dict) or obj.get("kind") != "Secret":
            continue
        keys = _keys(obj)
        if not keys:
            continue
        field = "data" if obj.get("data") else "stringData"
        name = Resource(obj).name
        yield naming(ctx.report(
            None,
            f"Secret {name!r} is committed in plaintext (keys: {', '.join(sorted(keys))})",
            hint=HINT, file=rel, line=doc.line((field,), key=True), path=(field,),
        ), obj)


def _generator_findings(ctx: RepoContext, rel: str, docs: list[Document]) -> Iterator[Finding]:
    for doc in docs:
        obj = doc.obj
        generators = obj.get("secretGenerator") if isinstance(obj, dict) else None
        for i, gen in enumerate(generators if isinstance(generators, list) else []):
            if not isinstance(gen, dict):
                continue
            name = gen.get("name", "")
            literals = gen.get("literals")
            if isinstance(literals, list) and literals:
                keys = sorted({str(item).split("=", 1)[0] for item in literals})
                yield ctx.report(
                    None,
                    f"secretGenerator {name!r} takes plaintext literals (keys: {', '.join(keys)})",
                    hint=HINT, file=rel, line=doc.line(("secretGenerator", i, "literals"), key=True),
                    path=("secretGenerator", i, "literals"),
                )
            for field in ("files", "envs"):
                items = gen.get(field)
                for j, item in enumerate(items if isinstance(items, list) else []):
                    source = str(item).split("=", 1)[-1]
                    if is_sops_name(source):
                        continue
                    yield ctx.report(
                        None,
                        f"secretGenerator {name!r} reads the plaintext file {source!r}",
                        hint=HINT, file=rel, line=doc.line(("secretGenerator", i, field, j)),
                        path=("secretGenerator", i, field, j),
                    )


def check(ctx: RepoContext) -> Iterator[Finding]:
    for rel in ctx.files:
        if not (rel.endswith(MANIFEST_SUFFIXES) or Path(rel).name in KUSTOMIZATION_NAMES) \
                or is_sops_name(rel):
            continue
        # Any size: a big manifest file is no place to hide a plaintext Secret.
        text = read_text(ctx.repo_root, rel, max_bytes=None)
        if text is None or ("Secret" not in text and "secretGenerator" not in text):
            continue
        docs = yaml_documents(text)
        if docs is None:
            for m in SECRET_LINE.finditer(text):
                yield ctx.report(
                    None,
                    "a document of kind Secret in a file that does not parse as YAML, so it cannot "
                    "be SOPS-encrypted either",
                    hint=HINT, file=rel, line=text.count("\n", 0, m.start()) + 1,
                )
            continue
        if any(isinstance(d.obj, dict) and isinstance(d.obj.get("sops"), dict) for d in docs):
            continue  # encrypted in place under another name: sops-file checks it
        yield from _secret_findings(ctx, rel, docs)
        if Path(rel).name in KUSTOMIZATION_NAMES:
            yield from _generator_findings(ctx, rel, docs)
