"""private-key: no private key committed, except allow-listed demo keys with a reason.

Key material is built at run time, so this file itself holds no key.
"""
from kustguard.checks.private_key import find_keys

BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l".upper()
AGE_KEY = "AGE-SECRET-" + "KEY-1" + (BECH32 * 2)[:58]
DASHES = "-" * 5
BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" + "A" * 12


def pem(label: str) -> str:
    return f"{DASHES}BEGIN {label}{DASHES}\n{BODY}\n{BODY}\n{DASHES}END {label}{DASHES}\n"


def pyproject(entries: str) -> str:
    return f'[project]\nname = "x"\n\n[tool.kustguard]\nfail-on = "info"\ndemo-keys = [\n{entries}]\n'


def test_allow_listed_demo_key_and_mentions_pass(run_check):
    files = {
        "pyproject.toml": pyproject('  {path = "keys/demo.agekey", reason = "demo secrets only"},\n'),
        "keys/demo.agekey": f"# created: 2026-01-01\n# public key: age1xyz\n{AGE_KEY}\n",
        "docs/keys.md": f"Never commit a file starting with {DASHES}BEGIN OPENSSH PRIVATE KEY{DASHES}.\n"
                        "Nor anything like AGE-SECRET-KEY-1...\n",
        "base/x/secret.sops.yaml": f"sops:\n  age:\n    - enc: |\n        {DASHES}BEGIN AGE ENCRYPTED FILE{DASHES}\n"
                                   f"        {BODY}\n",
    }
    assert run_check("private-key", "", files=files) == []


def test_committed_keys_fail_without_printing_them(run_check):
    files = {
        "deploy/id_ed25519": pem("OPENSSH PRIVATE KEY"),
        "base/tls/secret.yaml": "apiVersion: v1\nkind: Secret\nstringData:\n  tls.key: |\n"
                                + "".join("    " + line + "\n" for line in pem("RSA PRIVATE KEY").splitlines()),
        "scripts/key.txt": f"\n\n{AGE_KEY}\n",
        "config/app.json": '{"key": "' + pem("PRIVATE KEY").replace("\n", "\\n") + '"}',
    }
    findings = run_check("private-key", "", files=files)
    assert [(f.file, f.line, f.message) for f in findings] == [
        ("base/tls/secret.yaml", 5, "'base/tls/secret.yaml' contains a PEM private key (RSA PRIVATE KEY)"),
        ("config/app.json", 1, "'config/app.json' contains a PEM private key (PRIVATE KEY)"),
        ("deploy/id_ed25519", 1, "'deploy/id_ed25519' contains a PEM private key (OPENSSH PRIVATE KEY)"),
        ("scripts/key.txt", 3, "'scripts/key.txt' contains an age private key"),
    ]
    assert all(f.object is None and f.severity.name == "ERROR" for f in findings)
    for f in findings:
        text = f.message + f.hint + repr(f.extra)
        assert BODY not in text and AGE_KEY not in text


def test_demo_key_entry_without_reason_is_a_finding_and_allows_nothing(run_check):
    files = {
        "pyproject.toml": pyproject('  {path = "keys/demo.agekey", reason = "  "},\n  {reason = "orphan"},\n'),
        "keys/demo.agekey": f"{AGE_KEY}\n",
    }
    findings = run_check("private-key", "", files=files)
    assert [(f.file, f.line, f.message) for f in findings] == [
        ("pyproject.toml", 7, "demo-keys entry for 'keys/demo.agekey' in pyproject.toml gives no reason, "
                              "so the key is not allowed"),
        ("pyproject.toml", 6, "demo-keys entry 2 in pyproject.toml names no path"),
        ("keys/demo.agekey", 1, "'keys/demo.agekey' contains an age private key"),
    ]


def test_array_of_tables_form(run_check):
    toml = ('[tool.kustguard]\n[[tool.kustguard.demo-keys]]\npath = "keys/demo.agekey"\n'
            'reason = "published demo key"\n')
    assert run_check("private-key", "", files={"pyproject.toml": toml, "keys/demo.agekey": AGE_KEY}) == []


def test_missing_pyproject_allows_nothing(run_check):
    findings = run_check("private-key", "", files={"keys/demo.agekey": AGE_KEY})
    assert [(f.file, f.line) for f in findings] == [("keys/demo.agekey", 1)]


def test_find_keys_kinds():
    putty = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPublic-Lines: 2\nx\nPrivate-Lines: 1\ny\n"
    assert find_keys(putty) == [(1, "a PuTTY private key")]
    assert find_keys(pem("PGP PRIVATE KEY BLOCK")) == [(1, "a PEM private key (PGP PRIVATE KEY BLOCK)")]
    assert find_keys(pem("EC PRIVATE KEY") + pem("ENCRYPTED PRIVATE KEY")) == [
        (1, "a PEM private key (EC PRIVATE KEY)"), (5, "a PEM private key (ENCRYPTED PRIVATE KEY)")]
    assert find_keys(pem("PUBLIC KEY")) == []
    assert find_keys(AGE_KEY[:-1]) == []


# Issue 20: encoded keys, big files, binary files. The keys are generated here.
def _generated_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def test_base64_encoded_pem_in_binary_data_and_data_is_found(run_check):
    import base64

    pem_bytes = _generated_pem()
    encoded = base64.b64encode(pem_bytes).decode()
    shifted = base64.b64encode(b"#!" + pem_bytes).decode()   # the key two bytes into the value
    files = {
        "base/x/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nbinaryData:\n"
                                 f"  tls.key: {encoded}\n",
        "base/x/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\ndata:\n"
                              f"  a: aGVsbG8=\n  key.pem: {shifted}\n",
        "base/x/wrapped.yaml": "data:\n  key: |\n" + "".join(
            f"    {encoded[i:i + 76]}\n" for i in range(0, len(encoded), 76)),
    }
    findings = run_check("private-key", "", files=files)
    assert [(f.file, f.line, f.message) for f in findings] == [
        ("base/x/configmap.yaml", 5,
         "'base/x/configmap.yaml' contains a base64-encoded PEM private key (PRIVATE KEY)"),
        ("base/x/secret.yaml", 6,
         "'base/x/secret.yaml' contains a base64-encoded PEM private key (PRIVATE KEY)"),
        ("base/x/wrapped.yaml", 3,
         "'base/x/wrapped.yaml' contains a base64-encoded PEM private key (PRIVATE KEY)"),
    ]
    for f in findings:
        assert encoded[20:60] not in f.message + f.hint


def test_a_6_mb_file_with_a_key_at_its_end_is_found(run_check, tmp_path):
    filler = b"# padding line of a large generated file........................\n" * 100_000
    assert len(filler) > 6_000_000
    big = tmp_path / "dump" / "big.sql"
    big.parent.mkdir()
    big.write_bytes(filler + _generated_pem())
    findings = run_check("private-key", "")
    assert [(f.file, f.line) for f in findings] == [("dump/big.sql", 100_001)]


def test_nul_bytes_and_chunk_boundaries_hide_nothing(run_check, tmp_path):
    from kustguard.checks.private_key import CHUNK

    pem_bytes = _generated_pem()
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "blob.bin").write_bytes(b"\0\x01\x02" * 100 + pem_bytes)
    # A key that starts a few bytes before the first chunk ends.
    (tmp_path / "bin" / "edge.txt").write_bytes(b"x" * (CHUNK - 5) + pem_bytes)
    findings = run_check("private-key", "")
    assert [(f.file, f.line) for f in findings] == [("bin/blob.bin", 1), ("bin/edge.txt", 1)]


def test_demo_keys_in_kustguard_toml_are_honoured(run_check):
    toml = '[[demo-keys]]\npath = "keys/demo.agekey"\nreason = "published demo key"\n'
    assert run_check("private-key", "", files={".kustguard.toml": toml, "keys/demo.agekey": AGE_KEY}) == []
    findings = run_check("private-key", "", files={".kustguard.toml": toml.replace("published demo key", ""),
                                                   "keys/demo.agekey": AGE_KEY})
    assert [(f.file, f.line) for f in findings] == [(".kustguard.toml", 2), ("keys/demo.agekey", 1)]
