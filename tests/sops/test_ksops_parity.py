"""KSOPS's own test cases, rebuilt from their shapes, give KSOPS's documented output.

viaduct-ai/kustomize-sops tests each case with `kustomize build` and a
`want.yaml`. The cases below have the same shapes and the same demo values
(so the documented outputs, hash suffix included, apply unchanged); the
files, keys and encryption are our own. Each case runs in both plugin
forms: KRM exec function (`config.kubernetes.io/function`, kustomize
`--enable-exec`) and legacy exec plugin (`$KUSTOMIZE_PLUGIN_HOME`).

Expected outputs follow KSOPS v4.5.1, which puts `files` and `envs` values
under `stringData` in both forms. Documented difference: KSOPS's older
legacy fixtures (`test/legacy/{envs,override,multiple}/want.yaml`) still show
those values base64 under `data`, the layout before v4.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .conftest import KUSTOMIZE, SopsKit, write
from .test_modes import cli_args

USER, PASSWORD, APP = "admin", "1f2d1e2e67df", "kustomize-sops"
REGEX = ("--encrypted-regex", "^(data|stringData)$")


def manifest(name: str, annotations: str = "") -> str:
    meta = f"    name: {name}\n" + (f"    annotations:\n{annotations}" if annotations else "")
    return ("apiVersion: v1\ndata:\n    password: MWYyZDFlMmU2N2Rm\n    username: YWRtaW4=\n"
            f"kind: Secret\nmetadata:\n{meta}stringData:\n    application: {APP}\n"
            "type: Opaque\n")


def want(name: str) -> str:
    return ("apiVersion: v1\ndata:\n  password: MWYyZDFlMmU2N2Rm\n  username: YWRtaW4=\n"
            f"kind: Secret\nmetadata:\n  name: {name}\nstringData:\n  application: {APP}\n"
            "type: Opaque\n")


CREDENTIALS = f"username: {USER}\npassword: {PASSWORD}\n"
DOTENV = f"username={USER}\npassword={PASSWORD}\n"

# name: (files to encrypt {path: (plaintext, sops flags)}, generator body, extra files, want)
CASES = {
    "single": (
        {"secret.enc.yaml": (manifest("mysecret"), REGEX)},
        "files:\n  - ./secret.enc.yaml\n", {}, want("mysecret")),
    "multiple": (
        {f"secret-{v}.enc.yaml": (manifest(f"mysecret-{v}"), REGEX) for v in "ABC"},
        "files:\n" + "".join(f"  - ./secret-{v}.enc.yaml\n" for v in "ABC"), {},
        "---\n".join(want(f"mysecret-{v}") for v in "ABC")),
    "file": (
        {"secret.enc.yaml": (CREDENTIALS, ())},
        "secretFrom:\n- metadata:\n    name: mysecret\n  type: Opaque\n  files:\n"
        "  - ./secret.enc.yaml\n", {},
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: mysecret\nstringData:\n"
        "  secret.enc.yaml: |\n    username: admin\n    password: 1f2d1e2e67df\ntype: Opaque\n"),
    "override": (
        {"secret.enc.yaml": (CREDENTIALS, ())},
        "secretFrom:\n- metadata:\n    name: mysecret\n  type: Opaque\n  files:\n"
        "  - secret.yaml=./secret.enc.yaml\n", {},
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: mysecret\nstringData:\n"
        "  secret.yaml: |\n    username: admin\n    password: 1f2d1e2e67df\ntype: Opaque\n"),
    "binaryfile": (
        {"secret.enc.yaml": (CREDENTIALS, ())},
        "secretFrom:\n- metadata:\n    name: mysecret\n  type: Opaque\n  binaryFiles:\n"
        "  - ./secret.enc.yaml\n", {},
        "apiVersion: v1\ndata:\n  secret.enc.yaml: dXNlcm5hbWU6IGFkbWluCnBhc3N3b3JkOiAxZjJkMWUyZTY3ZGYK\n"
        "kind: Secret\nmetadata:\n  name: mysecret\ntype: Opaque\n"),
    "envs": (
        {"secret.enc.env": (DOTENV, ())},
        "secretFrom:\n- metadata:\n    name: mysecret\n  envs:\n  - ./secret.enc.env\n", {},
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: mysecret\nstringData:\n"
        "  password: 1f2d1e2e67df\n  username: admin\n"),
    "metadata": (
        {"secret.enc.env": (DOTENV, ())},
        "secretFrom:\n- metadata:\n    name: mysecret\n    namespace: test\n    labels:\n"
        "      foo: bar\n    annotations:\n      abc: xyz\n  envs:\n  - ./secret.enc.env\n", {},
        "apiVersion: v1\nkind: Secret\nmetadata:\n  annotations:\n    abc: xyz\n  labels:\n"
        "    foo: bar\n  name: mysecret\n  namespace: test\nstringData:\n"
        "  password: 1f2d1e2e67df\n  username: admin\n"),
    "hash": (
        {"secret.enc.yaml": (manifest("mysecret-hash", "        kustomize.config.k8s.io/"
                                                       "needs-hash: \"true\"\n"), REGEX)},
        "files:\n  - ./secret.enc.yaml\n", {}, want("mysecret-hash-h55dbmfg7b")),
    "behaviors": (
        {"secret.enc.yaml": (manifest("my-base-secret", "        kustomize.config.k8s.io/"
                                                        "behavior: replace\n"), REGEX)},
        "files:\n  - ./secret.enc.yaml\n",
        {"base/kustomization.yaml": "resources:\n  - secret.yaml\n",
         "base/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: my-base-secret\n"
                             "stringData:\n  stale: value-from-the-base\n"},
        want("my-base-secret")),
}
FUNCTION = ("  annotations:\n    config.kubernetes.io/function: |\n        exec:\n"
            "          path: kustguard-sops\n")


@pytest.fixture(scope="module")
def encrypted(kit: SopsKit) -> dict[str, dict[str, bytes]]:
    return {case: {name: kit.encrypt(text.encode(), name, *flags)
                   for name, (text, flags) in files.items()}
            for case, (files, _, _, _) in CASES.items()}


@pytest.fixture(scope="module")
def plugin_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("plugin-home")
    args = cli_args("install-legacy-plugin", "--dir", str(home))
    assert args.func(args) == 0
    return home


@pytest.mark.parametrize("form", ["krm", "legacy"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_ksops_case_gives_ksops_output(kit: SopsKit, encrypted, plugin_home: Path,
                                       tmp_path: Path, case: str, form: str) -> None:
    _, body, extra, expected = CASES[case]
    # KSOPS's krm/behaviors case uses apiVersion viaduct.ai/v2; legacy plugins are
    # looked up by apiVersion, and KSOPS installs only v1 there.
    api = "viaduct.ai/v2" if case == "behaviors" and form == "krm" else "viaduct.ai/v1"
    head = f"apiVersion: {api}\nkind: ksops\nmetadata:\n  name: ksops-{case}-generator\n"
    root = tmp_path / "overlay"
    for name, data in encrypted[case].items():
        write(root / name, data)
    for name, text in extra.items():
        write(tmp_path / name, text)
    write(root / "generate-resources.yaml", head + (FUNCTION if form == "krm" else "") + body)
    resources = "resources:\n  - ../base\n" if extra else ""
    write(root / "kustomization.yaml", resources + "generators:\n  - ./generate-resources.yaml\n")
    argv = [KUSTOMIZE, "build", "--enable-alpha-plugins"]
    argv += ["--enable-exec"] if form == "krm" else []
    env = kit.env(KUSTOMIZE_PLUGIN_HOME=str(plugin_home))
    done = subprocess.run(argv + ["."], cwd=root, env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode() == expected
    assert done.stderr == b""


# A case KSOPS documents no want.yaml for: secretFrom with every source kind,
# needs-hash and no type. KSOPS v4.5.1 prints this Secret for it (files and
# envs under stringData, binaryFiles under data, no type, keys sorted); the
# plugin must give the same kustomize output, hash suffix included.
KSOPS_WOULD_PRINT = f"""\
apiVersion: v1
data:
  blob: AAH/
kind: Secret
metadata:
  annotations:
    kustomize.config.k8s.io/needs-hash: "true"
  name: mixed
stringData:
  credentials.yaml: |
    username: {USER}
    password: {PASSWORD}
  password: {PASSWORD}
  username: {USER}
"""
MIXED = """\
secretFrom:
- metadata:
    name: mixed
    annotations:
      kustomize.config.k8s.io/needs-hash: "true"
  files:
  - credentials.yaml=./secret.enc.yaml
  envs:
  - ./secret.enc.env
  binaryFiles:
  - blob=./blob.enc
"""


@pytest.mark.parametrize("form", ["krm", "legacy"])
def test_secret_from_hash_matches_ksops_layout(kit: SopsKit, plugin_home: Path, tmp_path: Path,
                                               form: str) -> None:
    # The reference: a generator that prints exactly what KSOPS prints (a
    # stand-in for the KSOPS binary), hashed by the same kustomize.
    reference = tmp_path / "reference"
    items = "".join("    " + line + "\n" if i else "  - " + line + "\n"
                    for i, line in enumerate(KSOPS_WOULD_PRINT.splitlines()))
    script = write(reference / "ksops-stand-in.sh",
                   "#!/bin/sh\ncat >/dev/null\ncat <<'EOF'\napiVersion: config.kubernetes.io/v1\n"
                   f"kind: ResourceList\nitems:\n{items}EOF\n")
    script.chmod(0o755)
    write(reference / "generator.yaml", "apiVersion: example.com/v1\nkind: Stand-in\n"
          "metadata:\n  name: ksops\n  annotations:\n    config.kubernetes.io/function: |\n"
          "      exec:\n        path: ./ksops-stand-in.sh\n")
    write(reference / "kustomization.yaml", "generators:\n  - generator.yaml\n")
    done = subprocess.run([KUSTOMIZE, "build", "--enable-alpha-plugins", "--enable-exec", "."],
                          cwd=reference, env=kit.env(), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    expected = done.stdout.decode()
    assert "name: mixed-" in expected  # kustomize hashed it

    root = tmp_path / "overlay"
    write(root / "secret.enc.yaml", kit.encrypt(CREDENTIALS.encode(), "secret.enc.yaml"))
    write(root / "secret.enc.env", kit.encrypt(DOTENV.encode(), "secret.enc.env"))
    write(root / "blob.enc", kit.encrypt(b"\x00\x01\xff", "blob.enc"))
    head = "apiVersion: viaduct.ai/v1\nkind: ksops\nmetadata:\n  name: mixed-generator\n"
    write(root / "generate-resources.yaml", head + (FUNCTION if form == "krm" else "") + MIXED)
    write(root / "kustomization.yaml", "generators:\n  - ./generate-resources.yaml\n")
    argv = [KUSTOMIZE, "build", "--enable-alpha-plugins"] + (["--enable-exec"] if form == "krm"
                                                             else [])
    done = subprocess.run(argv + ["."], cwd=root, capture_output=True, check=False,
                          env=kit.env(KUSTOMIZE_PLUGIN_HOME=str(plugin_home)))
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode() == expected
