"""sops-file: SOPS files are encrypted, complete, and for the creation rule's recipients."""
import json

ENC = "ENC[AES256_GCM,data:q83vEjRW,iv:AAAAAAAAAAAAAAAAAAAAAA==,tag:BBBBBBBBBBBBBBBBBBBBBB==,type:str]"
DEMO = "age1" + "q" * 58
OTHER = "age1" + "p" * 58

RULES = f"""\
creation_rules:
  - path_regex: ^overlays/prod/.*\\.sops\\.ya?ml$
    age: {OTHER}
  - path_regex: .*\\.sops\\.(ya?ml|json|env)$
    encrypted_regex: ^(data|stringData)$
    age: {DEMO}
"""


def secret(values: str, *, recipient: str = DEMO, mac: bool = True, version: bool = True) -> str:
    meta = f"""\
sops:
    age:
        - recipient: {recipient}
          enc: |
            -----BEGIN AGE ENCRYPTED FILE-----
            YWdlLWVuY3J5cHRpb24ub3JnL3YxCg==
            -----END AGE ENCRYPTED FILE-----
    lastmodified: "2026-01-01T00:00:00Z"
"""
    if mac:
        meta += f"    mac: {ENC}\n"
    meta += "    encrypted_regex: ^(data|stringData)$\n"
    if version:
        meta += "    version: 3.11.0\n"
    return f"""\
apiVersion: v1
kind: Secret
metadata:
    name: db
type: Opaque
stringData:
{values}""" + meta


GOOD_VALUES = f"    password: {ENC}\n    user: {ENC}\n"


def test_well_formed_files_pass(run_check):
    env_file = f"PASSWORD={ENC}\nsops_age__list_0__map_recipient={DEMO}\nsops_age__list_0__map_enc=x\n" \
               f"sops_lastmodified=2026-01-01T00:00:00Z\nsops_mac={ENC}\nsops_version=3.11.0\n"
    json_file = json.dumps({"data": {"password": ENC}, "kind": "Secret", "metadata": {"name": "j"},
                            "sops": {"age": [{"recipient": DEMO, "enc": "x"}], "mac": ENC,
                                     "lastmodified": "2026-01-01T00:00:00Z",
                                     "version": "3.11.0", "encrypted_regex": "^(data|stringData)$"}},
                           indent="\t")
    assert run_check("sops-file", "", files={
        ".sops.yaml": RULES,
        "base/db/credentials.sops.yaml": secret(GOOD_VALUES),
        "base/db/extra.sops.env": env_file,
        "base/db/j.sops.json": json_file,
        "overlays/prod/db.sops.yaml": secret(GOOD_VALUES, recipient=OTHER),
    }) == []


def test_plain_value_missing_mac_and_wrong_recipient_fail(run_check):
    bad = secret(f"    password: hunter2-plain\n    user: {ENC}\n", recipient=OTHER, mac=False)
    findings = run_check("sops-file", "", files={".sops.yaml": RULES, "base/db/credentials.sops.yaml": bad})
    assert [(f.file, f.line, f.field, str(f.object)) for f in findings] == [
        ("base/db/credentials.sops.yaml", 9, "", "Secret/db"),
        ("base/db/credentials.sops.yaml", 7, "stringData.password", "Secret/db"),
        ("base/db/credentials.sops.yaml", 9, "", "Secret/db"),
    ]
    assert [f.message for f in findings] == [
        "Secret 'db' in 'base/db/credentials.sops.yaml' has sops metadata without 'mac': sops cannot "
        "verify or decrypt it",
        "Secret 'db' in 'base/db/credentials.sops.yaml' value 'stringData.password' is not encrypted",
        f"'base/db/credentials.sops.yaml' is encrypted for other age recipients than .sops.yaml creation "
        f"rule 2 (path_regex '.*\\\\.sops\\\\.(ya?ml|json|env)$'): missing {DEMO}; not in the rule: {OTHER}",
    ]
    assert findings[2].hint == "run `sops updatekeys base/db/credentials.sops.yaml` (with a key that can decrypt it)"
    for f in findings:
        assert "hunter2-plain" not in f.message + f.hint + repr(f.extra)


def test_first_matching_rule_wins(run_check):
    findings = run_check("sops-file", "", files={
        ".sops.yaml": RULES, "overlays/prod/db.sops.yaml": secret(GOOD_VALUES)})
    assert len(findings) == 1
    assert "creation rule 1 (path_regex '^overlays/prod/" in findings[0].message
    assert f"missing {OTHER}; not in the rule: {DEMO}" in findings[0].message


def test_plaintext_file_named_sops_fails_once(run_check):
    plain = "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: hunter2-plain}\n"
    findings = run_check("sops-file", "", files={".sops.yaml": RULES, "base/db/credentials.sops.yaml": plain})
    assert [(f.line, f.message) for f in findings] == [
        (1, "Secret 'db' in 'base/db/credentials.sops.yaml' is named as SOPS-encrypted but has no sops "
            "metadata: it is plaintext"),
    ]


def test_missing_config_and_unmatched_path(run_check):
    findings = run_check("sops-file", "", files={"base/db/credentials.sops.yaml": secret(GOOD_VALUES)})
    assert [(f.line, f.message) for f in findings] == [
        (9, "'base/db/credentials.sops.yaml' is a SOPS file but the repository has no .sops.yaml: its "
            "recipients cannot be checked and sops cannot re-encrypt it"),
    ]
    only_prod = "creation_rules:\n  - path_regex: ^overlays/\n    age: " + DEMO + "\n"
    findings = run_check("sops-file", "", files={
        ".sops.yaml": only_prod, "base/db/credentials.sops.yaml": secret(GOOD_VALUES)})
    assert [f.message for f in findings] == [
        "no .sops.yaml creation rule matches 'base/db/credentials.sops.yaml': sops would refuse to "
        "(re-)encrypt it"]


def test_dotenv_plain_value_and_missing_version(run_check):
    env_file = f"PASSWORD={ENC}\nTOKEN=plain-token-value\nsops_age__list_0__map_recipient={DEMO}\n" \
               f"sops_age__list_0__map_enc=x\nsops_lastmodified=2026-01-01T00:00:00Z\nsops_mac={ENC}\n"
    findings = run_check("sops-file", "", files={".sops.yaml": RULES, "apps/x/app.sops.env": env_file})
    assert [(f.line, f.message) for f in findings] == [
        (3, "'apps/x/app.sops.env' has sops metadata without 'version': sops cannot verify or decrypt it"),
        (2, "'apps/x/app.sops.env' value 'TOKEN' is not encrypted"),
    ]
    assert all("plain-token-value" not in f.message for f in findings)


def test_file_encrypted_in_place_under_another_name_is_checked(run_check):
    body = secret(f"    password: {ENC}\n    user: plain-user\n")
    findings = run_check("sops-file", "", files={".sops.yaml": RULES, "components/x/secret.yaml": body})
    # no creation rule matches a name without .sops., and user is in clear
    assert [(f.line, f.field) for f in findings] == [(8, "stringData.user"), (9, "")]


# --- any name, real sops: recipients and "encrypted nothing" ---------------

import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pyrage  # noqa: E402

SOPS_BIN = str(Path(sys.executable).parent / "sops")
TOKEN = "recipients-test-token-3f9e"


def _recipient() -> str:
    return str(pyrage.x25519.Identity.generate().to_public())


def _sops_encrypt(tmp_path: Path, plaintext: str, name: str, recipients: list[str],
                  *flags: str) -> str:
    """Encrypt with the real sops, away from any .sops.yaml."""
    workdir = tmp_path / "sops-work"
    workdir.mkdir(exist_ok=True)
    done = subprocess.run([SOPS_BIN, "encrypt", "--age", ",".join(recipients), *flags,
                           "--filename-override", name, "/dev/stdin"],
                          input=plaintext.encode(), capture_output=True, cwd=workdir,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(workdir)}, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


JSON_SECRET = json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "api"},
                          "stringData": {"token": TOKEN}})


def _repo_with(make_repo, tmp_path: Path, name: str, text: str, demo: str):
    rules = (f"creation_rules:\n  - path_regex: .*\\.enc\\.(json|yaml)$\n"
             f"    encrypted_regex: ^(data|stringData)$\n    age: {demo}\n")
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: demo\n"
    return make_repo({
        "base/app/kustomization.yaml": "resources: [configmap.yaml]\n",
        "base/app/configmap.yaml": config_map,
        "overlays/dev/kustomization.yaml": "resources: [../../base/app]\nnamespace: dev\n",
        ".sops.yaml": rules, name: text})


def test_enc_json_with_an_extra_recipient_is_a_validate_finding(make_repo, kustguard,
                                                                tmp_path: Path) -> None:
    demo, other = _recipient(), _recipient()
    text = _sops_encrypt(tmp_path, JSON_SECRET, "token.enc.json", [demo, other],
                         "--encrypted-regex", "^(data|stringData)$")
    root = _repo_with(make_repo, tmp_path, "base/app/token.enc.json", text, demo)
    proc = kustguard("validate", cwd=root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert "base/app/token.enc.json" in out and "sops-file" in out
    assert f"not in the rule: {other}" in out
    assert TOKEN not in out
    # The same file encrypted for exactly the rule's recipient is clean.
    clean = _sops_encrypt(tmp_path, JSON_SECRET, "token.enc.json", [demo],
                          "--encrypted-regex", "^(data|stringData)$")
    (root / "base/app/token.enc.json").write_text(clean)
    proc = kustguard("validate", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_any_name_and_extension_is_checked(run_check, tmp_path: Path) -> None:
    demo, other = _recipient(), _recipient()
    text = _sops_encrypt(tmp_path, "password=hunter2\n", "token.bin", [demo, other])
    rules = f"creation_rules:\n  - age: {demo}\n"
    findings = run_check("sops-file", "", files={".sops.yaml": rules,
                                                 "apps/x/credentials.dat": text})
    assert [f.file for f in findings] == ["apps/x/credentials.dat"]
    assert f"not in the rule: {other}" in findings[0].message


def test_rule_that_encrypted_nothing_is_a_finding(run_check, tmp_path: Path) -> None:
    demo = _recipient()
    config = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\nsettings:\n  password: hunter2-plain\n"
    text = _sops_encrypt(tmp_path, config, "app.enc.yaml", [demo],
                         "--encrypted-regex", "^(data|stringData)$")
    assert "ENC[AES256_GCM,data:" not in text.split("sops:")[0]
    rules = f"creation_rules:\n  - encrypted_regex: ^(data|stringData)$\n    age: {demo}\n"
    findings = run_check("sops-file", "", files={".sops.yaml": rules,
                                                 "base/app/app.enc.yaml": text})
    assert [f.message for f in findings] == [
        "'base/app/app.enc.yaml' has sops "
        "metadata but not one encrypted value: the encryption rule encrypted nothing, so it is "
        "plaintext"]
    assert "hunter2-plain" not in findings[0].message + findings[0].hint


def test_nesting_bomb_with_sops_in_it_is_one_finding(run_check) -> None:
    bomb = "sops: " + "[" * 50_000 + "]" * 50_000 + "\nmac: x\n"
    findings = run_check("sops-file", "", files={"base/app/deep.sops.yaml": bomb})
    assert [f.message for f in findings] == ["'base/app/deep.sops.yaml' is nested too deeply to read"]


def test_a_file_the_plugin_cannot_open_is_a_finding(run_check) -> None:
    # One reader: the check parses the metadata with the plugin's code, so a
    # Shamir split (which the plugin refuses) is reported here too.
    shamir = secret(GOOD_VALUES).replace(
        "sops:\n    age:\n", "sops:\n    shamir_threshold: 2\n    key_groups:\n"
        f"        - age: [{{recipient: {DEMO}, enc: x}}]\n"
        f"        - age: [{{recipient: {OTHER}, enc: y}}]\n    age:\n")
    findings = run_check("sops-file", "", files={".sops.yaml": RULES,
                                                 "base/db/credentials.sops.yaml": shamir})
    messages = [f.message for f in findings]
    assert any("cannot be opened: the data key is split across 2 key groups with Shamir"
               in m for m in messages), messages


def test_nesting_bomb_in_a_source_yaml_is_not_a_crash(run_check) -> None:
    from kustguard.checks._sops_files import yaml_documents

    bomb = "a: " + "[" * 50_000 + "]" * 50_000 + "\n"
    assert yaml_documents(bomb) is None  # "does not parse", never a segfault
    findings = run_check("sops-file", "", files={"base/app/deep.yaml": bomb + "sops: x\nmac: y\n"})
    assert [f.message for f in findings] == ["'base/app/deep.yaml' is nested too deeply to read"]


def test_nearest_sops_yaml_governs_as_in_the_plugin(run_check) -> None:
    # The plugin and the check both take the nearest .sops.yaml above the file,
    # with path_regex matched relative to that file's folder.
    nested = f"creation_rules:\n  - path_regex: ^db\\.sops\\.yaml$\n    age: {OTHER}\n"
    files = {".sops.yaml": RULES, "overlays/stage/.sops.yaml": nested,
             "overlays/stage/db.sops.yaml": secret(GOOD_VALUES, recipient=OTHER)}
    assert run_check("sops-file", "", files=files) == []
    files["overlays/stage/db.sops.yaml"] = secret(GOOD_VALUES)
    findings = run_check("sops-file", "", files=files)
    assert [f.message for f in findings] == [
        f"'overlays/stage/db.sops.yaml' is encrypted for other age recipients than "
        f"overlays/stage/.sops.yaml creation rule 1 (path_regex '^db\\\\.sops\\\\.yaml$'): "
        f"missing {OTHER}; not in the rule: {DEMO}"]
