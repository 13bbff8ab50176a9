"""The rework of parsing and source lines changed no finding.

tests/validator/golden/bench-sample-400.json holds every finding of every
check on a seeded bench corpus (400 objects, bench/corpus.py), recorded with
the code before the change (`python tests/validator/findings_sample.py`,
run against the previous commit). Today's code must give the same findings:
same checks, objects, files, fields, messages and lines. A line may only
change where it was wrong before; such a change would be listed in
CORRECTED with the reason, and there is none on this sample. (Lines that
were wrong before and are right now, for fields that patches, components,
JSON 6902 operations and `images:` write, are asserted in
test_source_lines.py and test_broken_k3d.py.)
"""
from __future__ import annotations

import json
from pathlib import Path

from findings_sample import findings_of, write_sample

GOLDEN = Path(__file__).parent / "golden" / "bench-sample-400.json"
# (check, object, file, field, old line) -> new line, with why the old one was wrong.
CORRECTED: dict[tuple, int] = {}


def test_findings_and_lines_are_as_before(tmp_path):
    tree = write_sample(tmp_path / "sample")
    now = findings_of(tree, tmp_path / "cache")
    before = json.loads(GOLDEN.read_text())
    assert len(before) > 50
    expected = []
    for check, obj, file, line, field, message, hidden in before:
        line = CORRECTED.get((check, obj, file, field, line), line)
        expected.append([check, obj, file, line, field, message, hidden])
    assert now == sorted(expected)


def test_the_one_parse_path_gives_the_same_findings(tmp_path):
    """bench/kg_files.py reads files with their lines from the one parse
    (load_source_file); it must agree with the source-map path."""
    import kg_files_shim

    tree = write_sample(tmp_path / "sample")
    assert kg_files_shim.findings(tree, tmp_path / "cache") == findings_of(tree, tmp_path / "cache")
