"""Decrypting with our Python code gives exactly what `sops decrypt` prints."""
from __future__ import annotations

from pathlib import Path

import pytest

from kustguard.sops import decrypt, keys, yamltree
from kustguard.sops.values import Timestamp

from .conftest import SopsKit, write

EVERY_TYPE_YAML = """\
# a head comment
string: hello world
integer: 42
negative: -7
octal: 017
hex: 0x1F
underscored: 1_000
big: 123456789012345678901
float: 3.14
exponent: 1e10
whole_float: 1.0
tiny: 0.000001
infinity: .inf
not_a_number: .nan
boolean: true
falsy: false
nothing: null
empty: ""
old_bool_is_string: yes
timestamp: 2024-01-02T03:04:05Z
zoned: 2024-01-02T03:04:05.123456789+02:00
date: 2024-01-02
quoted_timestamp: "2024-01-02T03:04:05Z"
binary: !!binary aGVsbG8gYmluYXJ5
multiline: |
    line one
    line two
keep_trailing: |+
    kept

newline_only: "\\n"
newlines_only: "\\n\\n"
leading_newline: "\\nafter"
long: "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr"
quoted: "it's \\"quoted\\" : and # hashed"
unicode: "héllo wörld ✓ 🎉"
control: "tab\\there\\u0001"
list:
    - one
    - 2
    # a comment inside a list
    - nested:
        deep: value
        more: [1, 2]
    - []
    - {}
mapping:
    # before a key
    key: value
    port_unencrypted: 5432
    # trailing in mapping
"needs quoting": yes
"123": numeric key
"""

MULTI_DOC_YAML = """\
apiVersion: v1
kind: Secret
metadata:
    name: first
stringData:
    password: one
---
apiVersion: v1
kind: Secret
metadata:
    name: second
stringData:
    password: two
# trailing comment
"""

JSON_DOC = (b'{"text": "x<y&z \\u2028 \\u0001", "number": 1, "float": 1.5, "big": 1e21, '
            b'"small": 1e-7, "flag": true, "nothing": null, "list": [1, "two", {"k": "v"}, []],'
            b' "empty": {}, "unicode": "h\\u00e9llo", "name_unencrypted": "plain"}')
DOTENV = b"# database settings\nUSER=admin\nPASSWORD=s3cr3t with spaces\nQUOTED=\"q\"\n\nMULTI=a\\nb\nEMPTY=\n"


RULES = {  # .sops.yaml creation rules, for settings sops has no flag for
    "mac-only": lambda kit: {"age": kit.key.recipient, "mac_only_encrypted": True,
                             "encrypted_regex": "^(string|list)$"},
    "comment-regex": lambda kit: {"age": kit.key.recipient,
                                  "encrypted_comment_regex": "sops:enc"},
}


BINARY = bytes(range(256)) + b"\xff\xfe not utf-8"

CASES = {
    "every-type.yaml": (EVERY_TYPE_YAML.encode(), ()),
    "multi.yaml": (MULTI_DOC_YAML.encode(), ()),
    "regex.yaml": (MULTI_DOC_YAML.encode(), ("--encrypted-regex", "^(data|stringData)$")),
    "unencrypted-regex.yaml": (EVERY_TYPE_YAML.encode(),
                               ("--unencrypted-regex", "^(integer|list|mapping)$")),
    "suffix.yaml": (EVERY_TYPE_YAML.encode(), ("--encrypted-suffix", "ing")),
    "mac-only.yaml": (EVERY_TYPE_YAML.encode(), "mac-only"),
    "comment-regex.yaml": (b"top: clear\n# sops:enc\nsecret: a\nopen: b\n# plain\nlast: c\n",
                           "comment-regex"),
    "data.json": (JSON_DOC, ()),
    "data-regex.json": (JSON_DOC, ("--encrypted-regex", "^(text|list)$")),
    "app.env": (DOTENV, ()),
    "blob.bin": (BINARY, ("--input-type", "binary", "--output-type", "json")),
}


@pytest.fixture(scope="module")
def encrypted(kit: SopsKit, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("roundtrip")
    files = {}
    for name, (plaintext, flags) in CASES.items():
        if isinstance(flags, str):
            ciphertext = kit.encrypt(plaintext, name, rule=RULES[flags](kit))
        else:
            ciphertext = kit.encrypt(plaintext, name, *flags)
        files[name] = write(folder / name, ciphertext)
    return files


@pytest.mark.parametrize("name", sorted(CASES))
def test_decrypts_exactly_like_sops(kit: SopsKit, encrypted: dict[str, Path], name: str) -> None:
    expected = kit.sops_decrypt(encrypted[name])
    assert expected.returncode == 0, expected.stderr.decode()
    ring = keys.load_keyring(kit.env())
    opened = decrypt.decrypt_bytes(encrypted[name].read_bytes(), name, ring,
                                   "binary" if name.endswith(".bin") else None)
    assert opened.plaintext() == expected.stdout


def test_value_types_decode(kit: SopsKit, encrypted: dict[str, Path]) -> None:
    opened = decrypt.decrypt_file(encrypted["every-type.yaml"], "every-type.yaml",
                                  keys.load_keyring(kit.env()))
    data = yamltree.to_python(opened.branches[0])
    assert data["integer"] == 42 and isinstance(data["integer"], int)
    assert data["octal"] == 15 and data["hex"] == 31 and data["underscored"] == 1000
    assert data["float"] == 3.14 and data["whole_float"] == 1.0
    assert isinstance(data["big"], float)
    assert data["boolean"] is True and data["falsy"] is False
    assert data["nothing"] is None and data["empty"] == ""
    assert data["old_bool_is_string"] == "yes"
    assert isinstance(data["timestamp"], Timestamp)
    assert data["zoned"].rfc3339nano() == "2024-01-02T03:04:05.123456789+02:00"
    assert data["date"].rfc3339nano() == "2024-01-02T00:00:00Z"
    assert data["quoted_timestamp"] == "2024-01-02T03:04:05Z"
    assert data["binary"] == "hello binary"
    assert data["multiline"] == "line one\nline two\n"
    assert data["mapping"]["port_unencrypted"] == 5432


def test_unencrypted_suffix_is_left_in_clear(encrypted: dict[str, Path]) -> None:
    text = encrypted["every-type.yaml"].read_text()
    assert "port_unencrypted: 5432" in text
    assert "hello world" not in text


def test_encrypted_regex_leaves_identity_in_clear(encrypted: dict[str, Path]) -> None:
    text = encrypted["regex.yaml"].read_text()
    assert "name: first" in text and "name: second" in text
    assert "password: one" not in text
