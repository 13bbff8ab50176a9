"""Every failure exits non-zero, prints nothing on stdout, and leaks no plaintext."""
from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest
import yaml

from .conftest import SopsKit, write

PASSWORD = "fixture-password-7c1e9a"
USERNAME = "fixture-username-42b0"
SECRET_YAML = f"""\
apiVersion: v1
kind: Secret
metadata:
  name: db
type: Opaque
stringData:
  password: {PASSWORD}
  username_unencrypted: {USERNAME}
""".encode()
SECRETS = [PASSWORD, USERNAME]

GENERATOR = """\
apiVersion: kustguard.io/v1
kind: SopsSecretGenerator
metadata:
  name: gen
files:
  - {path}
"""


def run_generator(kit: SopsKit, root: Path, path: str, env: dict[str, str] | None = None):
    config = write(root / "generator.yaml", GENERATOR.format(path=path))
    return kit.plugin([str(config)], cwd=root, env=env)


def assert_fails_closed(done, expected_code: int, pattern: str) -> None:
    assert done.returncode == expected_code, done.stderr.decode()
    assert done.stdout == b""
    stderr = done.stderr.decode()
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith("kustguard-sops: ")
    assert "Traceback" not in stderr
    assert re.search(pattern, stderr), stderr
    for secret in SECRETS:
        assert secret not in stderr


@pytest.fixture()
def encrypted(kit: SopsKit, tmp_path: Path) -> Path:
    return write(tmp_path / "secret.enc.yaml", kit.encrypt(SECRET_YAML, "secret.enc.yaml"))


def test_baseline_decrypts(kit: SopsKit, encrypted: Path, tmp_path: Path) -> None:
    done = run_generator(kit, tmp_path, encrypted.name)
    assert done.returncode == 0, done.stderr.decode()
    assert yaml.safe_load(done.stdout)["stringData"]["password"] == PASSWORD


def _flip_ciphertext_byte(text: str, key: str, separator: str = ": ") -> str:
    match = re.search(rf"{key}{separator}ENC\[AES256_GCM,data:([^,]+),", text)
    data = bytearray(base64.b64decode(match.group(1)))
    data[0] ^= 0x01
    return text.replace(match.group(1), base64.b64encode(bytes(data)).decode())


def test_tampered_ciphertext_byte(kit: SopsKit, encrypted: Path, tmp_path: Path) -> None:
    encrypted.write_text(_flip_ciphertext_byte(encrypted.read_text(), "password"))
    assert_fails_closed(run_generator(kit, tmp_path, encrypted.name), 1,
                        r"stringData\.password: authentication failed")


def test_tampered_unencrypted_value_breaks_the_mac(kit: SopsKit, encrypted: Path,
                                                   tmp_path: Path) -> None:
    encrypted.write_text(encrypted.read_text().replace(USERNAME, "intruder"))
    assert_fails_closed(run_generator(kit, tmp_path, encrypted.name), 1, "MAC mismatch")


def test_mac_only_encrypted_ignores_clear_values(kit: SopsKit, tmp_path: Path) -> None:
    rule = {"age": kit.key.recipient, "mac_only_encrypted": True,
            "encrypted_regex": "^(data|stringData)$", "unencrypted_suffix": ""}
    rule.pop("unencrypted_suffix")
    path = write(tmp_path / "mac-only.enc.yaml", kit.encrypt(SECRET_YAML, "x.yaml", rule=rule))
    path.write_text(path.read_text().replace("name: db", "name: renamed"))
    done = run_generator(kit, tmp_path, path.name)
    # sops accepts this too: with mac_only_encrypted clear values are outside the MAC.
    assert kit.sops_decrypt(path).returncode == 0
    assert done.returncode == 0, done.stderr.decode()
    assert yaml.safe_load(done.stdout)["metadata"]["name"] == "renamed"
    path.write_text(_flip_ciphertext_byte(path.read_text(), "password"))
    assert_fails_closed(run_generator(kit, tmp_path, path.name), 1, "authentication failed")


def test_removed_mac(kit: SopsKit, encrypted: Path, tmp_path: Path) -> None:
    encrypted.write_text(re.sub(r"\n\s+mac: ENC\[[^\]]+\]", "", encrypted.read_text()))
    assert_fails_closed(run_generator(kit, tmp_path, encrypted.name), 1, "no MAC")


def test_wrong_key_lists_recipients_and_places(kit: SopsKit, encrypted: Path,
                                               tmp_path: Path) -> None:
    done = run_generator(kit, tmp_path, encrypted.name, env=kit.env(kit.other))
    assert_fails_closed(done, 1, "no age key fits")
    stderr = done.stderr.decode()
    assert kit.key.recipient in stderr
    assert "SOPS_AGE_KEY_FILE" in stderr and str(kit.other.file) in stderr
    assert kit.other.identity not in stderr and kit.key.identity not in stderr


def test_shamir_key_groups_are_refused(kit: SopsKit, tmp_path: Path) -> None:
    rule = {"shamir_threshold": 2, "key_groups": [{"age": [kit.key.recipient]},
                                                  {"age": [kit.other.recipient]}]}
    path = write(tmp_path / "shamir.enc.yaml", kit.encrypt(SECRET_YAML, "x.yaml", rule=rule))
    assert_fails_closed(run_generator(kit, tmp_path, path.name), 1,
                        "2 key groups with Shamir.*not supported")


def test_non_age_key_is_named(kit: SopsKit, encrypted: Path, tmp_path: Path) -> None:
    text = encrypted.read_text()
    start = text.index("    age:")
    end = text.index("    lastmodified:")
    encrypted.write_text(text[:start] + "    pgp:\n        - fp: FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4\n"
                         "          created_at: \"2024-01-01T00:00:00Z\"\n"
                         "          enc: x\n" + text[end:])
    assert_fails_closed(run_generator(kit, tmp_path, encrypted.name), 1,
                        "only to PGP: that key type is not supported")


def test_symlink_out_of_the_root(kit: SopsKit, encrypted: Path, tmp_path: Path) -> None:
    root = tmp_path / "overlay"
    root.mkdir()
    os.symlink(encrypted, root / "link.enc.yaml")
    assert_fails_closed(run_generator(kit, root, "link.enc.yaml"), 2, "symbolic link")


def test_dotdot_escape(kit: SopsKit, encrypted: Path, tmp_path: Path) -> None:
    root = tmp_path / "overlay"
    root.mkdir()
    assert_fails_closed(run_generator(kit, root, "../secret.enc.yaml"), 2, "climbs out")


def test_absolute_path(kit: SopsKit, encrypted: Path, tmp_path: Path) -> None:
    assert_fails_closed(run_generator(kit, tmp_path, str(encrypted)), 2, "absolute paths")


def test_outside_root_when_explicitly_allowed(kit: SopsKit, encrypted: Path,
                                              tmp_path: Path) -> None:
    root = tmp_path / "overlay"
    root.mkdir()
    env = kit.env(KUSTGUARD_SOPS_ALLOW_OUTSIDE_ROOT="1")
    done = run_generator(kit, root, "../secret.enc.yaml", env=env)
    assert done.returncode == 0, done.stderr.decode()


def test_huge_file(kit: SopsKit, encrypted: Path, tmp_path: Path) -> None:
    with encrypted.open("a") as handle:
        handle.write("#" + "x" * (5 * 1024 * 1024) + "\n")
    assert_fails_closed(run_generator(kit, tmp_path, encrypted.name), 1, "byte limit")


def test_plaintext_file_is_refused(kit: SopsKit, tmp_path: Path) -> None:
    write(tmp_path / "plain.yaml", SECRET_YAML)
    assert_fails_closed(run_generator(kit, tmp_path, "plain.yaml"), 1, "not encrypted with sops")


def test_value_moved_to_another_key(kit: SopsKit, encrypted: Path, tmp_path: Path) -> None:
    text = encrypted.read_text()
    value = re.search(r"password: (ENC\[[^\]]+\])", text).group(1)
    moved = re.sub(r"\ntype: ENC\[[^\]]+\]", f"\ntype: {value}", text)
    assert moved != text
    encrypted.write_text(moved)
    assert_fails_closed(run_generator(kit, tmp_path, encrypted.name), 1,
                        "type: authentication failed")


def test_secret_never_half_filled(kit: SopsKit, encrypted: Path, tmp_path: Path) -> None:
    good = write(tmp_path / "good.env", kit.encrypt(b"A=1\n", "good.env"))
    bad = write(tmp_path / "bad.env", kit.encrypt(b"B=2\n", "bad.env"))
    bad.write_text(_flip_ciphertext_byte(bad.read_text(), "B", "="))
    config = write(tmp_path / "generator.yaml", f"""\
apiVersion: kustguard.io/v1
kind: SopsSecretGenerator
metadata: {{name: gen}}
secretFrom:
  - metadata: {{name: app}}
    envs: [{good.name}, {bad.name}]
""")
    done = kit.plugin([str(config)], cwd=tmp_path)
    assert_fails_closed(done, 1, "bad.env")


def test_bad_configuration_is_exit_2(kit: SopsKit, tmp_path: Path) -> None:
    config = write(tmp_path / "generator.yaml", "apiVersion: kustguard.io/v1\n"
                   "kind: SopsSecretGenerator\nfiles: [a.yaml]\nsecretFromm: []\n")
    assert_fails_closed(kit.plugin([str(config)], cwd=tmp_path), 2, "unknown field 'secretFromm'")


def test_empty_stdin_is_a_usage_error(kit: SopsKit, tmp_path: Path) -> None:
    assert_fails_closed(kit.plugin([], cwd=tmp_path, stdin=b""), 2, "no ResourceList")
