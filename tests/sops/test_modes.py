"""The plugin under the real tools: kustomize (KRM exec), kpt, kubectl (legacy)."""
from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
import yaml

from kustguard.sops import cli

from .conftest import KUSTOMIZE, PLUGIN, SopsKit, write

DB_PASSWORD = "mode-test-db-password-91"
API_TOKEN = "mode-test-api-token-55"
TLS_BYTES = b"\x00\x01binary-cert\xff"

MANIFEST = f"""\
apiVersion: v1
kind: Secret
metadata:
  name: mysql
  annotations:
    kustomize.config.k8s.io/needs-hash: "true"
type: Opaque
stringData:
  password: {DB_PASSWORD}
"""

FUNCTION_ANNOTATION = """\
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: kustguard-sops
"""

GENERATOR_BODY = """\
files:
  - secrets/mysql.enc.yaml
secretFrom:
  - metadata:
      name: api
      namespace: apps
      labels: {app: api}
      annotations:
        kustomize.config.k8s.io/needs-hash: "true"
    type: Opaque
    envs: [secrets/api.enc.env]
    binaryFiles: [tls.crt=secrets/tls.enc]
    files: [config.json=secrets/config.enc.json]
"""


def generator(api_version: str, kind: str, krm: bool) -> str:
    head = f"apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: secrets\n"
    return head + (FUNCTION_ANNOTATION if krm else "") + GENERATOR_BODY


@pytest.fixture(scope="module")
def overlay_files(kit: SopsKit) -> dict[str, bytes]:
    return {
        "secrets/mysql.enc.yaml": kit.encrypt(MANIFEST.encode(), "mysql.enc.yaml",
                                              "--encrypted-regex", "^(data|stringData)$"),
        "secrets/api.enc.env": kit.encrypt(f"# api\nTOKEN={API_TOKEN}\nMODE=\"fast\"\n".encode(),
                                           "api.enc.env"),
        "secrets/tls.enc": kit.encrypt(TLS_BYTES, "tls.enc"),
        "secrets/config.enc.json": kit.encrypt(b'{"url": "db:3306", "retries": 3}',
                                               "config.enc.json"),
    }


def make_overlay(root: Path, files: dict[str, bytes], config: str) -> Path:
    for name, data in files.items():
        write(root / name, data)
    write(root / "generator.yaml", config)
    write(root / "kustomization.yaml", "generators:\n  - generator.yaml\n")
    return root


def by_name(text: bytes) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in yaml.safe_load_all(text) if doc}


def check_outputs(resources: dict[str, dict], hashed: bool) -> None:
    mysql = next(v for k, v in resources.items() if k.startswith("mysql"))
    api = next(v for k, v in resources.items() if k.startswith("api"))
    if hashed:
        assert set(resources) != {"mysql", "api"}
        assert all(name.split("-")[-1].isalnum() and len(name.split("-")[-1]) == 10
                   for name in resources)
    assert mysql["stringData"]["password"] == DB_PASSWORD
    # KSOPS's layout: text under stringData, binaryFiles base64 under data.
    assert {k: base64.b64decode(v) for k, v in api["data"].items()} == {"tls.crt": TLS_BYTES}
    assert api["stringData"] == {"TOKEN": API_TOKEN, "MODE": "fast",
                                 "config.json": '{\n\t"url": "db:3306",\n\t"retries": 3\n}\n'}
    assert api["metadata"]["namespace"] == "apps"
    assert api["metadata"]["labels"] == {"app": "api"}
    assert api["type"] == "Opaque"


def test_standalone_kustomize_krm_exec(kit: SopsKit, overlay_files, tmp_path: Path) -> None:
    root = make_overlay(tmp_path, overlay_files,
                        generator("kustguard.io/v1", "SopsSecretGenerator", krm=True))
    done = subprocess.run([KUSTOMIZE, "build", "--enable-alpha-plugins", "--enable-exec", "."],
                          cwd=root, env=kit.env(), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    check_outputs(by_name(done.stdout), hashed=True)


def test_ksops_config_from_its_documentation(kit: SopsKit, overlay_files, tmp_path: Path) -> None:
    # The shape of KSOPS's documented examples: viaduct.ai/v1 ksops, files and
    # secretFrom, needs-hash "false"; only the exec path changes.
    config = """\
apiVersion: viaduct.ai/v1
kind: ksops
metadata:
  name: example-secret-generator
  annotations:
    config.kubernetes.io/function: |
        exec:
          path: kustguard-sops
files:
  - ./secrets/mysql.enc.yaml
secretFrom:
- metadata:
    name: secret-name
    labels:
      app: foo
    annotations:
      kustomize.config.k8s.io/needs-hash: "false"
  type: Opaque
  envs:
  - ./secrets/api.enc.env
  binaryFiles:
  - ./secrets/tls.enc
  - secret=./secrets/tls.enc
"""
    root = make_overlay(tmp_path, overlay_files, config)
    done = subprocess.run([KUSTOMIZE, "build", "--enable-alpha-plugins", "--enable-exec", "."],
                          cwd=root, env=kit.env(), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    resources = by_name(done.stdout)
    assert "secret-name" in resources  # needs-hash "false": no suffix
    data = resources["secret-name"]["data"]
    assert base64.b64decode(data["tls.enc"]) == TLS_BYTES
    assert base64.b64decode(data["secret"]) == TLS_BYTES
    assert resources["secret-name"]["stringData"]["TOKEN"] == API_TOKEN
    assert resources["secret-name"]["metadata"]["labels"] == {"app": "foo"}


def test_kpt_fn_eval_exec(kit: SopsKit, overlay_files, tmp_path: Path) -> None:
    package = tmp_path / "package"
    write(package / "configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                      "  name: settings\ndata:\n  a: b\n")
    for name, data in overlay_files.items():
        if not name.endswith((".yaml", ".json")):  # kpt would read those as resources
            write(package / name, data)
    fn_config = write(tmp_path / "fn-config.yaml", generator(
        "kustguard.io/v1", "SopsSecretGenerator", krm=False).replace(
        "files:\n  - secrets/mysql.enc.yaml\n", "").replace(
        "    files: [config.json=secrets/config.enc.json]\n", ""))
    done = subprocess.run(["kpt", "fn", "eval", ".", "--exec", PLUGIN, "--fn-config",
                           str(fn_config), "-o", "stdout"], cwd=package, env=kit.env(),
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    items = yaml.safe_load(done.stdout)["items"]
    names = {item["metadata"]["name"] for item in items}
    assert names == {"settings", "api"}  # the input item passes through
    api = next(item for item in items if item["metadata"]["name"] == "api")
    assert api["stringData"]["TOKEN"] == API_TOKEN


def test_kubectl_kustomize_legacy_plugin(kit: SopsKit, overlay_files, tmp_path: Path) -> None:
    plugin_home = tmp_path / "plugins"
    args = cli_args("install-legacy-plugin", "--dir", str(plugin_home))
    assert args.func(args) == 0
    installed = plugin_home / "kustguard.io" / "v1" / "sopssecretgenerator" / "SopsSecretGenerator"
    assert installed.is_file()
    root = make_overlay(tmp_path / "overlay", overlay_files,
                        generator("kustguard.io/v1", "SopsSecretGenerator", krm=False))
    done = subprocess.run(["kubectl", "kustomize", "--enable-alpha-plugins", str(root)],
                          cwd=tmp_path, env=kit.env(KUSTOMIZE_PLUGIN_HOME=str(plugin_home)),
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    check_outputs(by_name(done.stdout), hashed=True)


def test_kubectl_skips_krm_functions_silently(kit: SopsKit, overlay_files, tmp_path: Path) -> None:
    # Why the validator must flag referenced-but-missing Secrets (see docs).
    root = make_overlay(tmp_path, overlay_files,
                        generator("kustguard.io/v1", "SopsSecretGenerator", krm=True))
    done = subprocess.run(["kubectl", "kustomize", "--enable-alpha-plugins", str(root)],
                          env=kit.env(), capture_output=True, check=False)
    assert "mysql" not in done.stdout.decode()


def test_shape_only_without_any_key(kit: SopsKit, overlay_files, tmp_path: Path) -> None:
    root = make_overlay(tmp_path, overlay_files,
                        generator("kustguard.io/v1", "SopsSecretGenerator", krm=True))
    env = kit.env(KUSTGUARD_SOPS_SHAPE_ONLY="1")
    del env["SOPS_AGE_KEY_FILE"]
    done = subprocess.run([KUSTOMIZE, "build", "--enable-alpha-plugins", "--enable-exec", "."],
                          cwd=root, env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    resources = by_name(done.stdout)
    mysql = next(v for k, v in resources.items() if k.startswith("mysql"))
    api = next(v for k, v in resources.items() if k.startswith("api"))
    for resource in (mysql, api):
        assert resource["metadata"]["annotations"]["kustguard.io/shape-only"] == "true"
    assert set(mysql["stringData"]) == {"password"}
    assert set(api["stringData"]) == {"TOKEN", "MODE", "config.json"}
    assert set(api["data"]) == {"tls.crt"}
    assert api["type"] == "Opaque" and api["metadata"]["namespace"] == "apps"
    text = done.stdout.decode()
    assert DB_PASSWORD not in text and API_TOKEN not in text


def test_shape_only_still_checks_structure(kit: SopsKit, overlay_files, tmp_path: Path) -> None:
    files = dict(overlay_files)
    files["secrets/mysql.enc.yaml"] = files["secrets/mysql.enc.yaml"].replace(
        b"ENC[AES256_GCM,data:", b"ENC[AES256_GCM,dota:", 1)
    root = make_overlay(tmp_path, files,
                        generator("kustguard.io/v1", "SopsSecretGenerator", krm=False))
    env = kit.env(KUSTGUARD_SOPS_SHAPE_ONLY="1")
    done = kit.plugin([str(root / "generator.yaml")], cwd=root, env=env)
    assert done.returncode == 1 and done.stdout == b""
    assert b"stringData.password" in done.stderr


def cli_args(*argv: str):
    import argparse

    parser = argparse.ArgumentParser(prog="kustguard")
    cli.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["sops", *argv])
