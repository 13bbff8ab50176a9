"""Secrets are committed encrypted only, with the published demo age key."""
from __future__ import annotations

import os
import re
import subprocess

import pyrage
import pytest
import yaml

from manifest_helpers import REPO_ROOT

SOPS = REPO_ROOT / ".venv" / "bin" / "sops"
DEMO_KEY = REPO_ROOT / "keys" / "demo.agekey"


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                         cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    return [p for p in out.splitlines() if (REPO_ROOT / p).is_file()]


SOPS_FILES = sorted(p for p in tracked_files()
                    if p.endswith(".sops.yaml") and os.path.basename(p) != ".sops.yaml")


def demo_identity() -> pyrage.x25519.Identity:
    lines = [ln for ln in DEMO_KEY.read_text().splitlines() if ln.startswith("AGE-SECRET-KEY-")]
    assert len(lines) == 1
    return pyrage.x25519.Identity.from_str(lines[0])


def test_demo_key_is_marked_and_is_the_sops_recipient():
    text = DEMO_KEY.read_text()
    assert "DEMO" in text and "never" in text.lower()
    rules = yaml.safe_load((REPO_ROOT / ".sops.yaml").read_text())["creation_rules"]
    recipient = str(demo_identity().to_public())
    rule = next(r for r in rules if re.search(r["path_regex"], "base/x/secret.sops.yaml"))
    assert rule["age"] == recipient
    assert rule["encrypted_regex"] == "^(data|stringData)$"


def test_no_plaintext_secret_manifest_anywhere():
    for path in tracked_files():
        if not path.endswith((".yaml", ".yml")) or path.endswith("sops.yaml"):
            continue
        if path.startswith(("tests/", "tools/")):
            continue  # test fixtures and the tooling's own examples
        try:
            docs = list(yaml.safe_load_all((REPO_ROOT / path).read_text()))
        except yaml.YAMLError:
            continue
        for doc in docs:
            assert not (isinstance(doc, dict) and doc.get("kind") == "Secret"), path


def test_there_are_encrypted_secrets():
    assert any(p.startswith("base/") for p in SOPS_FILES)


@pytest.mark.parametrize("path", SOPS_FILES)
def test_secret_is_encrypted_and_decrypts_with_the_demo_key(path):
    doc = yaml.safe_load((REPO_ROOT / path).read_text())
    assert doc["kind"] == "Secret" and "sops" in doc
    for section in ("data", "stringData"):
        for key, value in (doc.get(section) or {}).items():
            assert str(value).startswith("ENC[AES256_GCM,"), (path, key)
    env = dict(os.environ, SOPS_AGE_KEY_FILE=str(DEMO_KEY))
    env.pop("SOPS_AGE_KEY", None)
    out = subprocess.run([str(SOPS), "--decrypt", str(REPO_ROOT / path)], capture_output=True,
                         text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    plain = yaml.safe_load(out.stdout)
    for section in ("data", "stringData"):
        assert set(plain.get(section) or {}) == set(doc.get(section) or {})
        for value in (plain.get(section) or {}).values():
            assert not str(value).startswith("ENC[")
