"""The fast YAML path (ryaml) against the strict PyYAML loader: the same
documents, indices, lines and objects, down to the Python type of every
value, or the fast path steps aside. On every YAML file of the repository
and on generated scalars where YAML 1.1 and 1.2 differ."""
from __future__ import annotations

import itertools
import subprocess
from typing import Any

import pytest

from kustguard import fastyaml, yamlload
from kustguard.errors import InputError


def same(a: Any, b: Any) -> bool:
    """Equal, with equal types all the way down (True == 1 in Python)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(k1, k2) for k1, k2 in zip(a, b)) \
            and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and a != a:
        return b != b
    return a == b


def strict(text: str) -> list | None:
    try:
        return [(i, line, obj) for i, line, obj, _ in yamlload._documents(text, "t.yaml", positions=False)]
    except InputError:
        return None


def agree(text: str) -> str:
    """'fast' if the fast path took it and agreed, 'strict' if it stepped aside."""
    fast = fastyaml.load_all(text)
    if fast is None:
        return "strict"
    expected = strict(text)
    assert expected is not None, f"fast path accepted what the strict loader refuses:\n{text}"
    assert [(i, line) for i, line, _ in fast] == [(i, line) for i, line, _ in expected], text
    assert all(same(a, b) for (_, _, a), (_, _, b) in zip(fast, expected)), text
    return "fast"


def test_every_yaml_file_of_the_repository(repo_root):
    files = subprocess.run(["git", "ls-files", "*.yaml", "*.yml"], cwd=repo_root, capture_output=True,
                           text=True, check=True).stdout.split()
    assert len(files) > 100
    taken = {"fast": 0, "strict": 0}
    for rel in files:
        data = (repo_root / rel).read_bytes()
        try:
            text = yamlload.decode(data, rel)
        except InputError:
            continue
        taken[agree(text)] += 1
    # Most files are plain and take the fast path; every one agreed.
    assert taken["fast"] > taken["strict"], taken


TRICKY = [
    "yes", "Yes", "YES", "no", "No", "on", "On", "OFF", "off", "y", "n", "Y", "true", "False", "TRUE",
    "null", "Null", "~", "", "0o17", "017", "09", "0x1F", "0b101", "1_000", "+1", "-0", "-1", "0",
    "123456789012345678901234567890", "1e3", "1E3", "1.0e3", "1.0e+3", "1.5", "-2.25", ".5", "0.",
    "1.", ".inf", "-.Inf", ".nan", "12:30", "1:20:30.5", "2024-01-01", "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5", "10.0.0.1", "1.27.3", "100m", "256Mi", "=", "<<", "0.1", "8080",
    "'quoted'", '"yes"', "a b", "v1", "-", "- x", "? x", "!!str 1", "&a 1", "*a", "@x", "%x", "x # c",
]
TEMPLATES = [
    "key: {s}\n", "{s}: value\n", "- {s}\n", "list: [{s}, x]\n", "map: {{k: {s}}}\n",
    "a: 1\n---\n# comment\n\nb: {s}\n", "--- {s}\n", "nested:\n  - name: x\n    value: {s}\n",
]


@pytest.mark.parametrize("template", TEMPLATES)
def test_generated_scalars_in_every_position(template):
    taken = {"fast": 0, "strict": 0}
    for scalar in TRICKY:
        taken[agree(template.format(s=scalar))] += 1
    assert taken["fast"] and taken["strict"], taken


def test_documents_and_lines_as_the_strict_loader_counts_them():
    for text in ("", "# only a comment\n", "\n\n"):
        agree(text)  # ryaml sees one null document in a comment: the fast path steps aside
    for parts in itertools.product(["", "# c\n", "\n"], ["a: 1\n"], ["---\n", "--- \n"],
                                   ["", "# c\n", "b: 2\n", "\n\nb: 2\n"], ["", "---\n", "---\nc: 3\n"]):
        assert agree("".join(parts)) == "fast", parts


def test_what_the_fast_path_refuses_the_strict_loader_explains():
    for text in ("a: 1\na: 2\n", "a: [1\n", "a: b: c\n"):
        assert fastyaml.load_all(text) is None
        with pytest.raises(InputError):
            list(yamlload.load_all(text, "bad.yaml"))
