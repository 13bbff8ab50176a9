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
               f"sops_mac={ENC}\nsops_version=3.11.0\n"
    json_file = json.dumps({"data": {"password": ENC}, "kind": "Secret", "metadata": {"name": "j"},
                            "sops": {"age": [{"recipient": DEMO, "enc": "x"}], "mac": ENC,
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
               f"sops_mac={ENC}\n"
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
