"""secret-plaintext: no plaintext Secret in the repository's sources."""

PLAIN = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {LOG_LEVEL: info}
---
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: todo
type: Opaque
stringData:
  password: hunter2-plain
  user: todo
"""

ENCRYPTED_IN_PLACE = """\
apiVersion: v1
kind: Secret
metadata: {name: api}
stringData:
  token: ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CCCC,type:str]
sops:
  mac: ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CCCC,type:str]
  version: 3.11.0
"""

TOKEN_REQUEST = """\
apiVersion: v1
kind: Secret
metadata:
  name: builder-token
  annotations: {kubernetes.io/service-account.name: builder}
type: kubernetes.io/service-account-token
"""


def test_plaintext_secret_in_sources_fails_without_printing_values(run_check):
    findings = run_check("secret-plaintext", "", files={
        "base/db/secret.yaml": PLAIN,
        "apps/demo/k8s/secret.yml": PLAIN.split("---\n")[1].replace("stringData:", "data:"),
    })
    assert [(f.file, f.line, f.field, str(f.object)) for f in findings] == [
        ("apps/demo/k8s/secret.yml", 7, "data", "Secret/todo/db"),
        ("base/db/secret.yaml", 12, "stringData", "Secret/todo/db"),
    ]
    assert findings[1].message == "Secret 'db' is committed in plaintext (keys: password, user)"
    assert findings[1].check_id == "secret-plaintext" and findings[1].severity.name == "ERROR"
    for f in findings:
        assert "hunter2-plain" not in f.message + f.hint + repr(f.extra)


def test_sops_files_other_folders_and_empty_secrets_pass(run_check):
    assert run_check("secret-plaintext", "", files={
        "base/db/credentials.sops.yaml": PLAIN,          # sops-file checks SOPS files
        "base/api/secret.yaml": ENCRYPTED_IN_PLACE,       # encrypted in place
        "base/ci/token.yaml": TOKEN_REQUEST,              # no data
        "base/db/README.md": PLAIN,                       # not YAML
        ".sops.yaml": "creation_rules: []\n",
    }) == []


def test_secret_generator_literals_and_plain_files_fail(run_check):
    kustomization = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
secretGenerator:
  - name: app
    literals:
      - API_TOKEN=tok-123456
      - MODE=x
  - name: tls
    files:
      - tls.key=certs/tls.key
      - ca.sops.yaml
    envs:
      - creds.sops.env
      - plain.env
"""
    findings = run_check("secret-plaintext", "", files={"overlays/prod/kustomization.yaml": kustomization})
    assert [(f.file, f.line, f.field, f.message) for f in findings] == [
        ("overlays/prod/kustomization.yaml", 5, "secretGenerator[0].literals",
         "secretGenerator 'app' takes plaintext literals (keys: API_TOKEN, MODE)"),
        ("overlays/prod/kustomization.yaml", 10, "secretGenerator[1].files[0]",
         "secretGenerator 'tls' reads the plaintext file 'certs/tls.key'"),
        ("overlays/prod/kustomization.yaml", 14, "secretGenerator[1].envs[1]",
         "secretGenerator 'tls' reads the plaintext file 'plain.env'"),
    ]
    assert all("tok-123456" not in f.message for f in findings)


def test_unparseable_file_with_a_secret_still_fails(run_check):
    broken = "kind: Secret\nmetadata: {name: x\nstringData:\n  a: b\n"
    findings = run_check("secret-plaintext", "", files={"components/x/secret.yaml": broken})
    assert [(f.file, f.line) for f in findings] == [("components/x/secret.yaml", 1)]


def test_plaintext_secrets_in_any_folder_and_json_fail(run_check):
    """Issue 14: the scan covers the repository's files, not a list of folders."""
    import json

    secret = PLAIN.split("---\n")[1]
    findings = run_check("secret-plaintext", "", files={
        "k8s/secret.yaml": secret,
        "docs/example-secret.yaml": secret,
        "deploy/secret.json": json.dumps({"apiVersion": "v1", "kind": "Secret",
                                          "metadata": {"name": "j"}, "data": {"k": "aHVudGVy"}}),
    })
    assert [(f.file, f.line) for f in findings] == [
        ("deploy/secret.json", 1), ("docs/example-secret.yaml", 7), ("k8s/secret.yaml", 7)]


def test_a_plaintext_secret_at_the_end_of_a_6_mb_file_is_found(run_check):
    """No size blind spot: a big vendored manifest can still hide a Secret."""
    filler = "".join(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n"
                     f"data: {{k: {'x' * 60}}}\n" for i in range(60_000))
    assert len(filler) > 6_000_000
    tail = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: hidden}\nstringData: {token: abc123}\n"
    findings = run_check("secret-plaintext", "", files={"vendor/big.yaml": filler + tail})
    assert [f.file for f in findings] == ["vendor/big.yaml"]
    assert findings[0].line == (filler + tail).count("\n")  # the stringData line
    assert "abc123" not in findings[0].message
