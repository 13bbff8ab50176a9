"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run; the driver's rules are every registered check (id, name, short
description = the doc's summary line, full description = the doc's prose,
help = the whole doc with its examples, default level). Each finding is a
result with the repository-relative file as an artifact location against
the ``%SRCROOT%`` base, the line as its region, and the object as a logical
location; the overlay, field and hint go in its properties, and a stable
partial fingerprint lets viewers track a finding across runs. Each rule's
``helpUri`` is its section of docs/checks.md at this release. A check that
did not run is a note in the invocation's tool configuration notifications,
with the reason.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import PurePosixPath
from urllib.parse import quote

from kustguard import __version__
from kustguard.checks import CheckInfo, check_by_id
from kustguard.docslinks import docs_url
from kustguard.findings import Finding, Severity

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def doc_parts(doc: str) -> tuple[str, str]:
    """(summary, prose): the doc's first line, and the text before its examples."""
    text = doc.strip()
    summary = text.splitlines()[0].strip() if text else ""
    prose = re.split(r"^\s*(?:Passing|Failing)::\s*$", text, maxsplit=1, flags=re.M)[0]
    return summary, " ".join(prose.split())


def _rule_name(check_id: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", check_id) if part)


def _rule(info: CheckInfo) -> dict:
    summary, prose = doc_parts(info.doc)
    properties: dict = {"family": info.family, "scope": info.scope,
                        "tags": ["kubernetes", info.family]}
    if info.kube_linter:
        properties["kube-linter"] = list(info.kube_linter)
    if info.checkov:
        properties["checkov"] = list(info.checkov)
    rule = {
        "id": info.id,
        "name": _rule_name(info.id),
        "shortDescription": {"text": summary or info.id},
        "fullDescription": {"text": prose or summary or info.id},
        "help": {"text": info.doc.strip() or info.id,
                 "markdown": _markdown_help(info.doc)},
        "defaultConfiguration": {"level": LEVELS[info.severity]},
        "properties": properties,
    }
    if docs_url(info.id):
        rule["helpUri"] = docs_url(info.id)
    return rule


def _markdown_help(doc: str) -> str:
    """The doc with its ``Name::`` blocks as fenced YAML."""
    out, in_block = [], False
    for line in doc.strip().splitlines():
        heading = re.match(r"^\s*(Passing|Failing)::\s*$", line)
        if heading:
            if in_block:
                out.append("```")
            out += [f"**{heading.group(1)}**", "", "```yaml"]
            in_block = True
            continue
        out.append(line[4:] if in_block and line.startswith("    ") else line)
    if in_block:
        while out and not out[-1].strip():
            out.pop()
        out.append("```")
    return "\n".join(out)


def _artifact(file: str) -> dict:
    if PurePosixPath(file).is_absolute():
        return {"uri": PurePosixPath(file).as_uri()}
    return {"uri": quote(file.replace("\\", "/"), safe="/"), "uriBaseId": SRCROOT}


def _message(f: Finding) -> str:
    text = f"{f.object}: {f.message}" if f.object else f.message
    if f.overlay:
        text += f" [{f.overlay}]"
    if f.hint:
        text += f". Fix: {f.hint}"
    return text


def _fingerprint(f: Finding) -> str:
    key = "\0".join([f.check_id, f.overlay, str(f.object or ""), f.field, f.message])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _result(f: Finding, rule_index: int) -> dict:
    result: dict = {
        "ruleId": f.check_id,
        "ruleIndex": rule_index,
        "level": LEVELS[f.severity],
        "message": {"text": _message(f)},
        "partialFingerprints": {"kustguardFinding/v1": _fingerprint(f)},
    }
    location: dict = {}
    if f.file:
        physical: dict = {"artifactLocation": _artifact(f.file)}
        if f.line > 0:
            physical["region"] = {"startLine": f.line}
        location["physicalLocation"] = physical
    if f.object:
        location["logicalLocations"] = [{
            "name": f.object.name,
            "fullyQualifiedName": str(f.object),
            "kind": "resource",
        }]
    if location:
        result["locations"] = [location]
    properties = {k: v for k, v in (("overlay", f.overlay), ("field", f.field),
                                    ("hint", f.hint)) if v}
    if properties:
        result["properties"] = properties
    return result


def render(findings: list[Finding], *, checks: tuple[CheckInfo, ...], overlays: list[str],
           skipped: dict[str, str] | None = None) -> str:
    skipped = skipped or {}
    checks = tuple(checks) + tuple(info for info in map(check_by_id, sorted(skipped))
                                   if info is not None and info not in checks)
    rules = [_rule(info) for info in checks]
    index = {info.id: i for i, info in enumerate(checks)}
    for f in findings:  # a finding of a check outside the registry still gets a rule
        if f.check_id not in index:
            index[f.check_id] = len(rules)
            rules.append({"id": f.check_id, "name": _rule_name(f.check_id),
                          "shortDescription": {"text": f.check_id},
                          "defaultConfiguration": {"level": LEVELS[f.severity]}})
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kustguard",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }},
            "originalUriBaseIds": {SRCROOT: {"description": {"text": "The repository root."}}},
            "invocations": [{
                "executionSuccessful": True,
                "toolConfigurationNotifications": [
                    {"descriptor": {"id": cid}, "level": "note",
                     "message": {"text": f"check {cid} did not run: {why}"}}
                    for cid, why in sorted(skipped.items())],
            }],
            "columnKind": "unicodeCodePoints",
            "results": [_result(f, index[f.check_id])
                        for f in sorted(findings, key=Finding.sort_key)],
            "properties": {"overlays": list(overlays)},
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
