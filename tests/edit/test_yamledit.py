"""Positions, quoting and splices of the minimal-diff editor."""
from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kustguard.edit import atomic
from kustguard.edit import yamledit as ye
from kustguard.edit.diff import changed_lines
from kustguard.edit.images import TAG, Pin, _entries_of
from kustguard.edit.promote import entry_splices


def test_locate_gives_the_characters_of_each_node():
    text = "images:   # x\n  - {name: a, newTag: '1'}\n  - name: b\n    newTag: &v \"2\"\n"
    root = ye.locate(text, "k.yaml")
    images = root.get("images").value
    assert isinstance(images, ye.Sequence) and not images.flow
    flow_entry, block_entry = images.items
    assert flow_entry.flow and text[flow_entry.start:flow_entry.end] == "{name: a, newTag: '1'}"
    tag = block_entry.get("newTag").value
    assert (tag.value, tag.style, tag.anchor) == ("2", '"', "v")
    assert text[tag.start:tag.end] == '&v "2"' and text[tag.text_start:tag.end] == '"2"'
    assert ye.block_column(text, images) == 2


@pytest.mark.parametrize("value, style, flow, written", [
    ("1.2.3", None, False, "1.2.3"),
    ("1.10", None, False, '"1.10"'),  # a plain 1.10 reads back as the number 1.1
    ("8", None, False, '"8"'),
    ("true", None, False, '"true"'),
    ("1.2.3", "'", False, "'1.2.3'"),
    ("1.2.3", '"', True, '"1.2.3"'),
    ("sha256:" + "a" * 64, None, True, "sha256:" + "a" * 64),
])
def test_scalar_text_keeps_the_style_unless_the_value_would_change_type(value, style, flow, written):
    assert ye.scalar_text(value, style, flow=flow) == written


def test_overlapping_splices_are_refused():
    with pytest.raises(ye.CannotRewrite):
        ye.apply("abcdef", [ye.Splice(1, 4, "x"), ye.Splice(3, 5, "y")])


def test_an_insertion_at_the_start_of_a_deletion_survives_it():
    assert ye.apply("abcdef", [ye.Splice(2, 4, ""), ye.Splice(2, 2, "XY")]) == "abXYef"


def test_shift_lines_refuses_a_dedent_that_would_change_meaning():
    assert ye.shift_lines("    - a\n\n    # c\n", -2) == "  - a\n\n  # c\n"
    with pytest.raises(ye.CannotRewrite):
        ye.shift_lines("  - a\n", -4)


ENTRY_STYLES = {
    "plain": "images:\n  - name: app  # the app\n    newTag: 1.0.0   # pinned\n  - name: db\n    newTag: 2.0.0\n",
    "single": "images:\n- name: app\n  newTag: '1.0.0'\n- name: db\n  newTag: 2.0.0\n",
    "double": "images:\n    - name: app\n      newTag: \"1.0.0\"  # quoted\n    - name: db\n      newTag: 2.0.0\n",
    "flow": "images:\n  - {name: app, newTag: 1.0.0}  # flow\n  - name: db\n    newTag: 2.0.0\n",
    "flow-list": "images: [{name: app, newTag: 1.0.0}, {name: db, newTag: 2.0.0}]\n",
}


def _set(text: str, pin: Pin) -> str:
    snapshot = atomic.Snapshot(None, "k.yaml", text.encode())
    entry = next(e for e in _entries_of(snapshot) if e.name == "app")
    return ye.apply(text, entry_splices(text, entry, pin))


@settings(max_examples=150, deadline=None)
@given(style=st.sampled_from(sorted(ENTRY_STYLES)), tag=st.from_regex(TAG, fullmatch=True))
def test_setting_any_valid_tag_changes_one_line_and_reads_back_exactly(style, tag):
    text = ENTRY_STYLES[style]
    new = _set(text, Pin(tag))
    data = yaml.safe_load(new)
    assert data["images"][0] == {"name": "app", "newTag": tag}
    assert data["images"][1] == {"name": "db", "newTag": "2.0.0"}
    changed = changed_lines(text, new)
    if tag == "1.0.0":
        assert changed == []
    else:
        assert len(changed) == 2 and changed[0].startswith("-") and changed[1].startswith("+")
        # everything but the value is kept: comments, quotes, indentation
        old_line, new_line = changed[0][1:], changed[1][1:]
        at = old_line.index("1.0.0")
        quote = old_line[at - 1] if old_line[at - 1] in "'\"" else ""
        prefix, suffix = old_line[:at - len(quote)], old_line[at + 5 + len(quote):]
        assert new_line.startswith(prefix) and new_line.endswith(suffix)
        written = new_line[len(prefix):len(new_line) - len(suffix)]
        assert yaml.safe_load("{k: " + written + "}") == {"k": tag}
        if quote:
            assert written == f"{quote}{tag}{quote}"
        else:
            assert written in (tag, f'"{tag}"')


def test_adding_a_digest_to_a_block_entry_adds_one_line_at_its_indentation():
    new = _set(ENTRY_STYLES["double"], Pin("1.0.0", "sha256:" + "c" * 64))
    assert changed_lines(ENTRY_STYLES["double"], new) == ["+      digest: sha256:" + "c" * 64]


def test_a_digest_only_pin_removes_the_stale_tag_from_a_flow_entry():
    new = _set(ENTRY_STYLES["flow-list"], Pin(None, "sha256:" + "c" * 64))
    assert new == "images: [{name: app, digest: sha256:" + "c" * 64 + "}, {name: db, newTag: 2.0.0}]\n"


def test_an_entry_whose_tag_is_an_alias_gets_its_own_value():
    text = "images:\n  - name: db\n    newTag: &v 2.0.0\n  - name: app\n    newTag: *v\n"
    new = _set(text, Pin("3.0.0"))
    assert changed_lines(text, new) == ["-    newTag: *v", "+    newTag: 3.0.0"]


def test_an_anchor_on_the_tag_is_kept_when_nothing_else_uses_it():
    text = "images:\n  - name: app\n    newTag: &v 1.0.0\n"
    assert _set(text, Pin("1.2.3")) == "images:\n  - name: app\n    newTag: &v 1.2.3\n"


MERGED = "images:\n  - &common {name: app, newTag: 1.0.0}\n  - <<: *common\n    name: app2\n"


def test_a_value_inherited_through_a_merge_key_is_overridden_not_shared():
    snapshot = atomic.Snapshot(None, "k.yaml", MERGED.encode())
    entry = next(e for e in _entries_of(snapshot) if e.name == "app2")
    assert entry.pin == Pin("1.0.0")
    new = ye.apply(MERGED, entry_splices(MERGED, entry, Pin("2.0.0")))
    assert yaml.safe_load(new)["images"] == [{"name": "app", "newTag": "1.0.0"},
                                             {"name": "app2", "newTag": "2.0.0"}]


def test_editing_a_mapping_another_entry_merges_is_refused(tmp_path):
    from kustguard.edit.promote import plan_set

    (tmp_path / ".kustguard.toml").write_text("")
    folder = tmp_path / "overlays/dev"
    folder.mkdir(parents=True)
    (folder / "kustomization.yaml").write_text(MERGED)
    with pytest.raises(ye.CannotRewrite, match="anchors, aliases or merge keys"):
        plan_set(tmp_path, "dev", "app", Pin("3.0.0"))
    assert (folder / "kustomization.yaml").read_text() == MERGED
