"""What a schema backend reports for one document."""
from __future__ import annotations

import re
from dataclasses import dataclass

from kustguard.resources import FieldPath

# jsonschema-rs: "('x' was unexpected)"; kubeconform: "additional properties 'x' not allowed".
_UNEXPECTED = re.compile(r"\('([^']+)' (?:was|were) unexpected|additional propert(?:y|ies) '([^']+)'")


@dataclass(frozen=True)
class Violation:
    path: FieldPath
    message: str


def unknown_field_path(path: FieldPath, message: str) -> FieldPath:
    """Point an additional-properties error at the unknown field itself."""
    match = _UNEXPECTED.search(message)
    return path + (match.group(1) or match.group(2),) if match else path


MISSING_SCHEMA = "no schema for {kind} in {api_version}"
