"""Key lookup, configuration, dotenv parsing, Go formatting, schema and CLI helpers."""
from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from kustguard.errors import InputError
from kustguard.sops import decrypt, keys
from kustguard.sops.config import parse_config
from kustguard.sops.envfile import parse_env
from kustguard.sops.values import go_format_float_f, go_format_float_g, go_json_float

from .conftest import REPO, SopsKit, write
from .test_modes import cli_args

SCHEMA = json.loads((REPO / "schemas" / "kustguard.io" / "sopssecretgenerator_v1.json").read_text())


# --- key lookup --------------------------------------------------------------

def _opens(kit: SopsKit, env: dict[str, str], tmp_path: Path) -> bool:
    path = write(tmp_path / "s.yaml", kit.encrypt(b"a: secret-value\n", "s.yaml"))
    try:
        decrypt.decrypt_file(path, "s.yaml", keys.load_keyring(env))
    except Exception:  # noqa: BLE001
        return False
    return True


def test_each_key_source_is_read(kit: SopsKit, tmp_path: Path) -> None:
    base = {"HOME": str(tmp_path / "nohome")}
    assert not _opens(kit, base, tmp_path)
    assert _opens(kit, {**base, "SOPS_AGE_KEY": kit.key.identity}, tmp_path)
    assert _opens(kit, {**base, "SOPS_AGE_KEY_FILE": str(kit.key.file)}, tmp_path)
    assert _opens(kit, {**base, "SOPS_AGE_KEY_CMD": f"cat {kit.key.file}"}, tmp_path)
    xdg = write(tmp_path / "xdg" / "sops" / "age" / "keys.txt", kit.key.file.read_text())
    assert _opens(kit, {**base, "XDG_CONFIG_HOME": str(xdg.parents[2])}, tmp_path)
    home = write(tmp_path / "home" / ".config" / "sops" / "age" / "keys.txt",
                 kit.key.file.read_text())
    assert _opens(kit, {"HOME": str(home.parents[3])}, tmp_path)
    # Sources combine: a wrong key in one does not hide the right key in another.
    assert _opens(kit, {**base, "SOPS_AGE_KEY": kit.other.identity,
                        "SOPS_AGE_KEY_FILE": str(kit.key.file)}, tmp_path)


def test_comments_and_blank_lines_are_skipped(kit: SopsKit, tmp_path: Path) -> None:
    text = f"\n# a comment\n   \n# public key: {kit.key.recipient}\n{kit.key.identity}\n\n"
    ring = keys.load_keyring({"HOME": str(tmp_path), "SOPS_AGE_KEY": text})
    assert len(ring.identities) == 1


def test_a_bad_key_line_is_named_by_number_not_content(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        keys.load_keyring({"HOME": str(tmp_path), "SOPS_AGE_KEY": "# ok\nnot-a-key-XYZ\n"})
    assert "line 2" in str(caught.value) and "XYZ" not in str(caught.value)


# --- configuration -------------------------------------------------------------

VALID = {"apiVersion": "kustguard.io/v1", "kind": "SopsSecretGenerator",
         "metadata": {"name": "g"}, "files": ["a.enc.yaml"],
         "secretFrom": [{"metadata": {"name": "app", "annotations": {
             "kustomize.config.k8s.io/needs-hash": "true"}},
             "type": "Opaque", "files": ["a.txt", "key=b.txt"],
             "binaryFiles": ["c.bin"], "envs": ["d.env"]}]}


def test_valid_configuration_parses_and_matches_the_schema() -> None:
    config = parse_config(VALID, "test")
    assert config.secrets[0].files[1].key == "key"
    jsonschema.validate(VALID, SCHEMA)


@pytest.mark.parametrize("change, message", [
    (lambda c: c.update(extra=1), "unknown field 'extra'"),
    (lambda c: c["secretFrom"][0].update(binaryfiles=[]), "unknown field 'binaryfiles'"),
    (lambda c: c["secretFrom"][0]["metadata"].update(name="Bad_Name"), "DNS subdomain"),
    (lambda c: c["secretFrom"][0].update(files=["bad key=x"]), "not a valid Secret key"),
    (lambda c: c["secretFrom"][0]["metadata"]["annotations"].update(
        {"kustomize.config.k8s.io/behavior": "upsert"}), "behavior must be one of"),
    (lambda c: c.update(kind="Other"), "unsupported configuration kind"),
    (lambda c: (c.pop("files"), c.pop("secretFrom")), "neither files nor secretFrom"),
])
def test_invalid_configurations_are_refused(change, message) -> None:
    config = json.loads(json.dumps(VALID))
    change(config)
    with pytest.raises(InputError, match=message):
        parse_config(config, "test")
    if "kind" not in message:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(config, SCHEMA)


def test_ksops_kind_is_accepted_unchanged() -> None:
    config = dict(VALID, apiVersion="viaduct.ai/v1", kind="ksops")
    assert parse_config(config, "test").kind == "ksops"


@pytest.mark.parametrize("api_version", ["viaduct.ai/v1", "viaduct.ai/v2", "viaduct.ai/v1beta1"])
def test_ksops_kind_takes_any_viaduct_version_and_ignores_unknown_fields(api_version) -> None:
    config = dict(VALID, apiVersion=api_version, kind="ksops", extra=1)
    parsed = parse_config(config, "gen.yaml")
    assert parsed.warnings == ["gen.yaml: ignoring unknown field 'extra' in the configuration, "
                               "as KSOPS does"]
    with pytest.raises(InputError, match="unsupported configuration kind"):
        parse_config(dict(VALID, apiVersion="example.com/v1", kind="ksops"), "gen.yaml")


# --- dotenv ---------------------------------------------------------------------

def test_dotenv_semantics() -> None:
    text = ("# comment\nexport A=1\nB = spaced value  # trailing\nC='single $X \\n'\n"
            'D="double \\"q\\" \\n end"\nE="multi\nline"\nF=\n')
    assert parse_env(text, "t") == {"A": "1", "B": "spaced value", "C": "single $X \\n",
                                    "D": 'double "q" \n end', "E": "multi\nline", "F": ""}


def test_dotenv_errors_do_not_quote_values() -> None:
    with pytest.raises(InputError) as caught:
        parse_env("GOOD=1\nthis line has a s3cr3t but no equals\n", "t")
    assert "line 2" in str(caught.value) and "s3cr3t" not in str(caught.value)


# --- Go number formatting ----------------------------------------------------------

@pytest.mark.parametrize("value, f_form, g_form, json_form", [
    (1.0, "1", "1", "1"), (3.14, "3.14", "3.14", "3.14"), (1e21, "1000000000000000000000",
                                                          "1e+21", "1e+21"),
    (1e-7, "0.0000001", "1e-07", "1e-7"), (123456789.0, "123456789", "1.23456789e+08",
                                          "123456789"),
    (-0.5, "-0.5", "-0.5", "-0.5"), (float("inf"), "+Inf", "+Inf", None),
])
def test_go_float_formats(value, f_form, g_form, json_form) -> None:
    assert go_format_float_f(value) == f_form
    assert go_format_float_g(value) == g_form
    if json_form:
        assert go_json_float(value) == json_form


# --- CLI helpers ------------------------------------------------------------------

def test_keygen_writes_a_private_file(tmp_path: Path, capsys) -> None:
    args = cli_args("keygen", "--output", str(tmp_path / "key.txt"))
    assert args.func(args) == 0
    out = capsys.readouterr()
    recipient = out.out.strip()
    assert recipient.startswith("age1") and "AGE-SECRET-KEY" not in out.out + out.err
    key_file = tmp_path / "key.txt"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert f"# public key: {recipient}" in key_file.read_text()
    assert args.func(args) == 2  # never overwrites


def test_new_from_template_then_rotate(kit: SopsKit, tmp_path: Path, monkeypatch, capsys) -> None:
    write(tmp_path / ".sops.yaml", yaml.safe_dump({"creation_rules": [{
        "path_regex": r"secrets/.*\.yaml$", "encrypted_regex": "^(data|stringData)$",
        "age": kit.key.recipient}]}))
    template = write(tmp_path / "template.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n"
                     "  name: db\nstringData:\n  password: '{{random:24}}'\n  user: admin\n"
                     "  tricky: \"1e5\"\n  flag: yes\n  octal: \"0o17\"\n")
    for name, value in kit.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    args = cli_args("new", "secrets/db.yaml", "--template", str(template))
    assert args.func(args) == 0, capsys.readouterr().err
    created = tmp_path / "secrets" / "db.yaml"
    text = created.read_text()
    assert "name: db" in text and "admin" not in text
    opened = decrypt.decrypt_file(created, "db.yaml", keys.load_keyring(kit.env()))
    password = opened.branches[0].get("stringData").get("password")
    # One emitter: strings that look like numbers or booleans stay strings.
    assert [opened.branches[0].get("stringData").get(k) for k in ("tricky", "flag", "octal")] \
        == ["1e5", "yes", "0o17"]
    assert len(password) == 24 and password not in capsys.readouterr().err
    args = cli_args("rotate", str(created), "--add-age", kit.other.recipient)
    assert args.func(args) == 0
    decrypt.decrypt_file(created, "db.yaml", keys.load_keyring(kit.env(kit.other)))
    # The extra recipient is not in .sops.yaml: check says so, updatekeys fixes it.
    args = cli_args("check", str(created))
    assert args.func(args) == 1
    assert f"not in the rule: {kit.other.recipient}" in capsys.readouterr().err
    args = cli_args("updatekeys", str(created))
    assert args.func(args) == 0
    args = cli_args("check", str(created))
    assert args.func(args) == 0
    assert sys.executable  # the helpers used the venv's sops binary
