"""The plugin's emitter: strings stay strings for every YAML reader, numbers keep their form."""
from __future__ import annotations

import pytest
import yaml

from kustguard.sops import yamlemit, yamltree
from kustguard.sops.values import Timestamp

from .test_differential import FIXED_STRINGS


@pytest.mark.parametrize("text", FIXED_STRINGS)
def test_every_tricky_string_reads_back_as_that_string(text: str) -> None:
    out = yamlemit.emit_documents([{"key": text, "list": [text]}], quoting=yamlemit.SAFE,
                                  indent=2)
    # YAML 1.1 (PyYAML) and go-yaml v3 (our resolver, as kustomize and kpt read it).
    assert yaml.safe_load(out) == {"key": text, "list": [text]}, out
    tree = yamltree.to_python(yamltree.load_documents(out, "out.yaml")[0])
    assert tree == {"key": text, "list": [text]}, out


def test_sops_quoting_still_matches_sops_for_plain_looking_strings() -> None:
    # sops leaves these unquoted; the helper commands' byte-for-byte output keeps that.
    out = yamlemit.emit_documents([{"a": "1.2.3", "b": "10.0.0.1"}])
    assert out == "a: 1.2.3\nb: 10.0.0.1\n"
    safe = yamlemit.emit_documents([{"a": "1.2.3", "b": "10.0.0.1"}], quoting=yamlemit.SAFE)
    assert safe == 'a: "1.2.3"\nb: "10.0.0.1"\n'


def test_numbers_timestamps_and_plain_forms() -> None:
    out = yamlemit.emit_documents([{
        "int": 15, "float": 1000.0, "big": 1e21, "small": 1e-7, "whole": 3.0,
        "json_number": yamlemit.Plain("123456789"), "stamp": Timestamp(2024, 1, 2),
        "flag": False, "nothing": None}], quoting=yamlemit.SAFE, indent=2)
    assert out == ("int: 15\nfloat: 1000\nbig: 1e+21\nsmall: 1e-07\nwhole: 3\n"
                   "json_number: 123456789\nstamp: 2024-01-02T00:00:00Z\nflag: false\n"
                   "nothing: null\n")


def test_json_resource_list_keeps_numbers_and_strings(kit, tmp_path) -> None:
    import json

    from .conftest import write

    write(tmp_path / "s.enc.json", kit.encrypt(
        json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                    "stringData": {"tricky": "1e5"}, "count": 1e21}).encode(), "s.enc.json",
        "--encrypted-regex", "^stringData$"))
    resource_list = ('{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", '
                     '"items": [{"kind": "ConfigMap", "metadata": {"name": "in"}, '
                     '"data": {"n": "1e5"}, "ratio": 1.50, "big": 12345678901234567890}], '
                     '"functionConfig": {"apiVersion": "kustguard.io/v1", '
                     '"kind": "SopsSecretGenerator", "metadata": {"name": "g"}, '
                     '"files": ["s.enc.json"]}}')
    done = kit.plugin([], cwd=tmp_path, stdin=resource_list.encode())
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    assert '"ratio": 1.50' in out and '"big": 12345678901234567890' in out  # as written
    assert '"count": 1e+21' in out  # as `sops decrypt` prints the JSON number
    items = json.loads(out)["items"]
    assert items[0]["data"] == {"n": "1e5"} and items[1]["stringData"] == {"tricky": "1e5"}


# Property: any string, and any string built from number-ish pieces, survives
# the plugin's emitter for YAML 1.1 (PyYAML) and go-yaml v3 (kustomize, kpt).
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = st.sampled_from(["0", "1", "7", "9", "x", "o", "b", "e", "E", "+", "-", ".", "_", ":",
                           "T", "Z", " ", "~", "=", "<", "y", "n", "inf", "nan", "null", "true",
                           "on", "0x", "0o", "0b", "2024-01-02"])
_NUMBERISH = st.lists(_PIECES, min_size=1, max_size=6).map("".join)
_ODD = "".join(chr(c) for c in range(0x7F, 0xA0)) + "\ufeff"
_ANY = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=_ODD),
               max_size=30)


_TEXT = st.one_of(_NUMBERISH, _ANY, st.text(alphabet="\n \t#:-'\"ab&0", max_size=8))
_KEYS = _TEXT.filter(lambda key: key != "")
_VALUES = st.recursive(
    _TEXT | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.booleans() | st.none(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, min_size=1, max_size=4))
def test_property_documents_read_back_unchanged(doc: dict) -> None:
    # Strings (also as keys, in lists, nested) stay strings; ints, booleans
    # and nulls stay what they are. This found: a value starting with a line
    # break lost it, and a literal block starting with a tab was unreadable.
    out = yamlemit.emit_documents([doc], quoting=yamlemit.SAFE, indent=2)
    assert yaml.safe_load(out) == doc, out
    assert yamltree.to_python(yamltree.load_documents(out, "out.yaml")[0]) == doc, out
