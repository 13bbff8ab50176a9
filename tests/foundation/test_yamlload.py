import pytest

from kustguard.errors import InputError
from kustguard.yamlload import MAX_DEPTH, MAX_EXPANDED_NODES, decode, load_all, load_all_with_positions


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


@pytest.mark.parametrize("text,line", [
    ("a: 1\nb: " + "[" * 50_000 + "]" * 50_000 + "\n", 2),          # flow, about 100 KB
    ("- " * 50_000 + "x\n", 1),                                       # compact block sequences
    ("".join(" " * i + "a:\n" for i in range(600)), MAX_DEPTH + 1),   # indented mappings
])
def test_deep_nesting_is_refused_before_libyaml(text, line):
    with pytest.raises(InputError) as err:
        list(load_all(text, "deep.yaml"))
    assert str(err.value).startswith(f"deep.yaml:{line}: YAML: nested deeper than {MAX_DEPTH} levels")


def test_nesting_up_to_the_limit_loads_with_positions():
    text = "".join(" " * i + "a:\n" for i in range(MAX_DEPTH - 1)) + " " * (MAX_DEPTH - 1) + "b: 1\n"
    ((_, positions),) = list(load_all_with_positions(text, "deep.yaml"))
    assert positions.locate(("a",) * (MAX_DEPTH - 1) + ("b",)) == (MAX_DEPTH, MAX_DEPTH)


def test_recursive_alias_is_refused():
    with pytest.raises(InputError) as err:
        list(load_all("a: &x [1, *x]\n", "loop.yaml"))
    assert str(err.value).startswith("loop.yaml:1: YAML:")


def test_positions_follow_keys_items_aliases_and_merges():
    text = ("base: &b\n  x: 1\n  y: [a,\n    b]\nitems:\n  - name: one\n  -\n    name: two\n"
            "copy: *b\nmerged:\n  <<: *b\n  y: 3\n")
    ((_, p),) = list(load_all_with_positions(text, "p.yaml"))
    assert p.locate(()) == (0, 1)
    assert p.locate(("base", "y", 1)) == (3, 4)
    assert p.locate(("items", 1, "name")) == (3, 8)
    assert p.locate(("copy", "x")) == (2, 2)       # an alias's fields are where the anchor wrote them
    assert p.locate(("merged", "x")) == (2, 2)     # merged keys likewise
    assert p.locate(("merged", "y")) == (2, 12)    # the override is the mapping's own
    assert p.locate(("items", 5, "name")) == (1, 5)  # absent: the deepest part present
