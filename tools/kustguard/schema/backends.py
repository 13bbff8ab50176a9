"""The one interface both schema backends are used through."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from kustguard.errors import InputError
from kustguard.schema.catalog import catalog_for
from kustguard.schema.violations import Violation


class SchemaBackend(Protocol):
    name: str

    def validate_all(self, objects: list[dict[str, Any]]) -> list[list[Violation]]: ...


def make_backend(name: str, repo_root: Path, cache_dir: Path, version: str,
                 kubeconform_binary: str | None) -> SchemaBackend:
    catalog = catalog_for(repo_root, cache_dir, version)
    if name == "kubeconform":
        if not kubeconform_binary:
            raise InputError("kubeconform is not installed",
                             hint="run 'kustguard tools install', or use --schema-backend python")
        from kustguard.schema.kubeconform_backend import KubeconformBackend

        return KubeconformBackend(catalog, kubeconform_binary)
    from kustguard.schema.python_backend import PythonBackend

    return PythonBackend(catalog)
