"""Property: for random nested values and keys, sops-encrypt then our decrypt is the identity.

The documents are written as JSON text into `.yaml` files: JSON is YAML,
and its quoting leaves no doubt about types, so the expected value is
exactly the generated one. Each example also checks byte equality with
`sops decrypt`, which exercises the YAML writer on odd strings.
"""
from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kustguard.sops import decrypt, keys, yamltree
from kustguard.sops.values import Timestamp

from .conftest import SopsKit

KEYS = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x2FFF,
                                      blacklist_categories=("Cc", "Cs")),
               min_size=1, max_size=12).filter(lambda k: k != "sops")
# Raw C1 controls and BOMs are not allowed in a YAML stream; json.dumps
# escapes the C0 controls, so those are covered.
_ODD = "".join(chr(c) for c in range(0x7F, 0xA0)) + "\ufeff"
STRINGS = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                         blacklist_characters=_ODD), max_size=40)
SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1)
           | st.floats(allow_nan=False, allow_infinity=False) | STRINGS)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(KEYS, inner, max_size=4), max_leaves=12)
DOCUMENTS = st.dictionaries(KEYS, VALUES, min_size=1, max_size=5)


def normalise(value):
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, Timestamp):
        return value.rfc3339nano()
    if isinstance(value, float) and value == 0.0:
        return 0.0  # sops writes -0 as 0 ("-0" reads back as the integer 0)
    return value


def equal(left, right) -> bool:
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(equal(a, b) for a, b in zip(left, right))
    if isinstance(left, float) or isinstance(right, float):
        return isinstance(left, (int, float)) and isinstance(right, (int, float)) and \
            not isinstance(left, bool) and not isinstance(right, bool) and \
            math.isclose(left, right, rel_tol=0, abs_tol=0) or left == right
    return type(left) is type(right) and left == right


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(document=DOCUMENTS)
def test_encrypt_with_sops_then_decrypt_is_identity(kit: SopsKit, tmp_path_factory, document) -> None:
    folder = tmp_path_factory.mktemp("property")
    text = json.dumps(document, ensure_ascii=False)
    path = folder / "doc.yaml"
    path.write_bytes(kit.encrypt(text.encode(), "doc.yaml"))
    opened = decrypt.decrypt_file(path, "doc.yaml", keys.load_keyring(kit.env()))
    decrypted = normalise(yamltree.to_python(opened.branches[0]))
    assert equal(decrypted, normalise(document))
    expected = kit.sops_decrypt(path)
    assert expected.returncode == 0
    assert opened.plaintext() == expected.stdout
