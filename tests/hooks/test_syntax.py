"""yaml-syntax: the validator's strict loader on every staged YAML file."""
from __future__ import annotations

from kustguard.hooks.syntax import check_files


def write(root, rel, content):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return rel


def test_valid_multi_document_files_pass(tmp_path):
    rel = write(tmp_path, "ok.yaml", "a: 1\n---\nb: [1, 2]\n---\n# empty document\n")
    assert check_files([rel], tmp_path) == []


def test_a_duplicate_key_in_a_later_document_names_its_line(tmp_path):
    rel = write(tmp_path, "m/two.yaml", "kind: A\n---\nkind: B\nmetadata:\n  name: x\n  name: y\n")
    [problem] = check_files([rel], tmp_path)
    assert (problem.file, problem.line) == ("m/two.yaml", 6)
    assert "duplicate key 'name'" in problem.message and problem.fix == "fix the YAML syntax"


def test_a_syntax_error_names_the_line_of_the_construct(tmp_path):
    rel = write(tmp_path, "bad.yml", "a: 1\nb: [1, 2\nc: 3\n")
    [problem] = check_files([rel], tmp_path)
    assert problem.file == "bad.yml" and problem.line == 2
    assert problem.message.startswith("YAML:")


def test_bytes_that_are_not_utf8_are_refused(tmp_path):
    rel = write(tmp_path, "latin1.yaml", "a: 1\nb: caf\xe9\n".encode("latin-1"))
    [problem] = check_files([rel], tmp_path)
    assert (problem.line, problem.message) == (2, "byte 0xe9 is not valid UTF-8")


def test_other_files_and_vanished_paths_are_skipped(tmp_path):
    rel = write(tmp_path, "notes.txt", "a: [\n")
    assert check_files([rel, "gone.yaml"], tmp_path) == []


def test_every_broken_file_is_reported(tmp_path):
    a = write(tmp_path, "a.yaml", "x: [\n")
    b = write(tmp_path, "b.yaml", "k: 1\nk: 2\n")
    assert [p.file for p in check_files([a, b], tmp_path)] == ["a.yaml", "b.yaml"]
