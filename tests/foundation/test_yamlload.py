import pytest

from kustguard.errors import InputError
from kustguard.yamlload import MAX_EXPANDED_NODES, decode, load_all


def test_documents_keep_index_and_line():
    docs = list(load_all("a: 1\n---\n\n# c\nb: 2\n", "f.yaml"))
    assert [(i, line, obj) for i, line, obj in docs] == [(0, 1, {"a": 1}), (1, 5, {"b": 2})]


def test_duplicate_key_names_file_and_line():
    with pytest.raises(InputError) as err:
        list(load_all("metadata:\n  name: a\n  name: b\n", "dup.yaml"))
    assert str(err.value).startswith("dup.yaml:3: YAML: duplicate key 'name'")


def test_same_key_in_different_mappings_is_fine():
    assert list(load_all("a: {x: 1}\nb: {x: 2}\n", "ok.yaml"))[0][2] == {"a": {"x": 1}, "b": {"x": 2}}


def test_a_few_aliases_are_allowed():
    obj = list(load_all("base: &b {x: 1}\none: *b\ntwo: *b\n", "a.yaml"))[0][2]
    assert obj["two"] == {"x": 1}


def test_alias_bomb_is_refused_quickly():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        prev = f"*a{i-1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    with pytest.raises(InputError) as err:
        list(load_all("\n".join(lines) + "\n", "bomb.yaml"))
    assert f"more than {MAX_EXPANDED_NODES:,} nodes" in str(err.value)
    assert str(err.value).startswith("bomb.yaml:")


def test_syntax_error_has_line():
    with pytest.raises(InputError) as err:
        list(load_all("a: 1\nb: [1, 2\nc: 3\n", "bad.yaml"))
    assert str(err.value).startswith("bad.yaml:")
    assert "fix the YAML syntax" in str(err.value)


def test_non_utf8_names_the_line():
    with pytest.raises(InputError) as err:
        decode(b"a: 1\nb: \xff\n", "latin.yaml")
    assert str(err.value) == "latin.yaml:2: byte 0xff is not valid UTF-8 (save the file as UTF-8)"
