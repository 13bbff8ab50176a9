"""Hook yaml-syntax: every YAML file parses strictly, document by document.

Uses the validator's own loader, so a commit is refused for exactly what
kustguard (and kubectl) would refuse later: syntax errors, duplicate keys in
any document of a multi-document file, alias bombs, bytes that are not UTF-8.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kustguard import yamlload
from kustguard.errors import InputError
from kustguard.hooks.problems import Problem

YAML_SUFFIXES = (".yaml", ".yml")


def check_files(paths: Iterable[str], cwd: Path) -> list[Problem]:
    problems = []
    for rel in paths:
        path = cwd / rel
        if path.suffix not in YAML_SUFFIXES or not path.is_file():
            continue
        try:
            yamlload.load_file(path, display=rel)
        except InputError as exc:
            problems.append(Problem.from_error(exc, rel))
    return problems
