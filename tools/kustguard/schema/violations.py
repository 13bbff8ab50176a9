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
    # True when there is no schema for the object's kind at all.
    missing_schema: bool = False


def unknown_field_path(path: FieldPath, message: str) -> FieldPath:
    """Point an additional-properties error at the unknown field itself."""
    match = _UNEXPECTED.search(message)
    return path + (match.group(1) or match.group(2),) if match else path


MISSING_SCHEMA = "no schema for {kind} in {api_version}"

# kubeconform: "value must be one of 'A', 'B', <nil>".
_KUBECONFORM_ENUM = re.compile(r"value must be one of (.*)$")


def enum_message(value: object, options: list) -> str:
    """One wording for a value outside an enum, in both backends: every
    allowed value is named (null, which only means 'leave it out', is not)."""
    allowed = ", ".join(str(o) for o in options if o is not None)
    return f"{value!r} is not an allowed value; use one of: {allowed}"


def kubeconform_enum(message: str, value: object) -> str | None:
    """kubeconform's enum error in the shared wording, or None if it is not one."""
    match = _KUBECONFORM_ENUM.search(message)
    if not match:
        return None
    options = [None if part.strip() == "<nil>" else part.strip().strip("'")
               for part in match.group(1).split(",")]
    return enum_message(value, options)
