"""The finding: what every check yields and every report prints."""
from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from enum import IntEnum

from kustguard.docslinks import docs_url


# The check id of a finding that says a check failed on an object (a defect in
# kustguard, not in the manifests). The run reports everything else and exits 2.
INTERNAL_ERROR = "internal-error"


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r}; use one of: info, warning, error"
            ) from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, order=True)
class ObjectRef:
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{ns}{self.name}"


@dataclass(frozen=True)
class Finding:
    check_id: str
    severity: Severity
    message: str
    overlay: str = ""
    object: ObjectRef | None = None
    file: str = ""
    line: int = 0
    # A dotted field path inside the object, e.g. spec.template.spec.containers[0].image
    field: str = ""
    hint: str = ""
    extra: dict = dataclass_field(default_factory=dict, compare=False, hash=False)

    @property
    def docs_url(self) -> str:
        """Where the check is documented ('' when the package has no repository URL)."""
        return docs_url(self.check_id)

    @property
    def location(self) -> str:
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def sort_key(self) -> tuple:
        return (self.overlay, -int(self.severity), self.file, self.line, self.check_id,
                str(self.object or ""), self.message)

    def to_dict(self) -> dict:
        return {
            "check": self.check_id,
            "severity": str(self.severity),
            "overlay": self.overlay,
            "object": (
                {"kind": self.object.kind, "namespace": self.object.namespace,
                 "name": self.object.name} if self.object else None
            ),
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
            "docs": self.docs_url,
        }

    @classmethod
    def from_dict(cls, doc: dict) -> "Finding":
        obj = doc.get("object")
        return cls(
            check_id=doc["check"],
            severity=Severity.parse(doc["severity"]),
            message=doc["message"],
            overlay=doc.get("overlay", ""),
            object=ObjectRef(obj["kind"], obj["namespace"], obj["name"]) if obj else None,
            file=doc.get("file", ""),
            line=doc.get("line", 0),
            field=doc.get("field", ""),
            hint=doc.get("hint", ""),
        )
