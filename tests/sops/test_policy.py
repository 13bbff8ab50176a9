"""Security policy of the plugin: recipients from .sops.yaml, a depth limit, switches from the environment only."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from .conftest import SopsKit, write
from .test_fail_closed import assert_fails_closed

TOKEN = "policy-test-token-5d2a"
MANIFEST = json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "api"},
                       "stringData": {"token": TOKEN}})
RULES = """\
creation_rules:
  - path_regex: secrets/.*\\.enc\\.json$
    encrypted_regex: ^(data|stringData)$
    age: {recipient}
"""
KSOPS = """\
apiVersion: viaduct.ai/v1
kind: ksops
metadata:
  name: gen
files:
  - secrets/api.enc.json
"""


def _repo(kit: SopsKit, root: Path, recipients: list[str], rule_for: str | None = None) -> Path:
    write(root / ".sops.yaml", RULES.format(recipient=rule_for or kit.key.recipient))
    write(root / "secrets" / "api.enc.json",
          kit.encrypt(MANIFEST.encode(), "api.enc.json", "--encrypted-regex",
                      "^(data|stringData)$", recipients=recipients))
    overlay = root / "overlay"
    write(overlay / "generator.yaml", KSOPS.replace("secrets/", "../secrets/"))
    return overlay


def _run(kit: SopsKit, overlay: Path, **env: str):
    return kit.plugin([str(overlay / "generator.yaml")], cwd=overlay,
                      env=kit.env(KUSTGUARD_SOPS_ALLOW_OUTSIDE_ROOT="1", **env))


def test_extra_recipient_is_refused(kit: SopsKit, tmp_path: Path) -> None:
    overlay = _repo(kit, tmp_path, [kit.key.recipient, kit.other.recipient])
    done = _run(kit, overlay)
    assert_fails_closed(done, 1, r"\.\./secrets/api\.enc\.json: its age recipients differ from "
                                 r"creation rule 1 .*not in the rule: " + kit.other.recipient)
    assert TOKEN not in done.stderr.decode()


def test_missing_recipient_is_refused(kit: SopsKit, tmp_path: Path) -> None:
    overlay = _repo(kit, tmp_path, [kit.key.recipient])
    write(tmp_path / ".sops.yaml", RULES.format(
        recipient=f"{kit.key.recipient},{kit.other.recipient}"))
    assert_fails_closed(_run(kit, overlay), 1, "missing " + kit.other.recipient)


def test_no_matching_rule_is_refused(kit: SopsKit, tmp_path: Path) -> None:
    overlay = _repo(kit, tmp_path, [kit.key.recipient])
    write(tmp_path / ".sops.yaml", "creation_rules:\n  - path_regex: ^elsewhere/\n    age: "
                                   f"{kit.key.recipient}\n")
    assert_fails_closed(_run(kit, overlay), 1, "no creation rule matches it")


def test_recipients_of_the_rule_decrypt(kit: SopsKit, tmp_path: Path) -> None:
    done = _run(kit, _repo(kit, tmp_path, [kit.key.recipient]))
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""
    assert yaml.safe_load(done.stdout)["stringData"]["token"] == TOKEN


def test_warn_switch_comes_from_the_environment(kit: SopsKit, tmp_path: Path) -> None:
    overlay = _repo(kit, tmp_path, [kit.key.recipient, kit.other.recipient])
    done = _run(kit, overlay, KUSTGUARD_SOPS_RECIPIENTS="warn")
    assert done.returncode == 0, done.stderr.decode()
    stderr = done.stderr.decode()
    assert stderr.count("\n") == 1 and stderr.startswith("kustguard-sops: warning: ")
    assert "not in the rule: " + kit.other.recipient in stderr and TOKEN not in stderr
    assert yaml.safe_load(done.stdout)["stringData"]["token"] == TOKEN
    assert_fails_closed(_run(kit, overlay, KUSTGUARD_SOPS_RECIPIENTS="off"), 2,
                        "KUSTGUARD_SOPS_RECIPIENTS must be enforce or warn")


def test_configuration_fields_switch_nothing(kit: SopsKit, tmp_path: Path) -> None:
    overlay = _repo(kit, tmp_path, [kit.key.recipient, kit.other.recipient])
    switches = ("recipients: warn\nshapeOnly: true\nallowOutsideRoot: true\n"
                "KUSTGUARD_SOPS_RECIPIENTS: warn\nKUSTGUARD_SOPS_SHAPE_ONLY: \"1\"\n")
    write(overlay / "generator.yaml", KSOPS.replace("secrets/", "../secrets/") + switches)
    done = _run(kit, overlay)
    assert done.returncode == 1 and done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 6  # five ignored fields, then the refusal
    assert all("ignoring unknown field" in line for line in lines[:5])
    assert "not in the rule" in lines[5]
    # Without the outside-root switch from the environment, ../ stays refused.
    done = kit.plugin([str(overlay / "generator.yaml")], cwd=overlay, env=kit.env())
    assert done.returncode == 2 and b"climbs out of the kustomization root" in done.stderr
    # Our own kind refuses such a field outright.
    ours = (KSOPS.replace("viaduct.ai/v1", "kustguard.io/v1").replace("ksops", "SopsSecretGenerator")
            + "shapeOnly: true\n")
    write(overlay / "ours.yaml", ours)
    done = kit.plugin([str(overlay / "ours.yaml")], cwd=overlay, env=kit.env())
    assert_fails_closed(done, 2, "unknown field 'shapeOnly'")


DEEP = "a: " + "[" * 50_000 + "]" * 50_000 + "\n"  # about 100 KB, under every size cap


@pytest.mark.parametrize("where", ["config", "stdin", "encrypted file"])
def test_nesting_bomb_gives_one_line_not_a_crash(kit: SopsKit, tmp_path: Path, where: str) -> None:
    if where == "config":
        done = kit.plugin([str(write(tmp_path / "generator.yaml", DEEP))], cwd=tmp_path)
    elif where == "stdin":
        done = kit.plugin([], cwd=tmp_path, stdin=("kind: ResourceList\nitems:\n  - " + DEEP)
                          .encode())
    else:
        write(tmp_path / "deep.enc.yaml", DEEP)
        config = write(tmp_path / "generator.yaml", KSOPS.replace("secrets/api.enc.json",
                                                                   "deep.enc.yaml"))
        done = kit.plugin([str(config)], cwd=tmp_path)
    assert_fails_closed(done, 2, r"YAML nested more than 256 levels deep")


def test_kustomize_passes_the_refusal_on(kit: SopsKit, tmp_path: Path) -> None:
    from .conftest import KUSTOMIZE

    overlay = _repo(kit, tmp_path, [kit.key.recipient, kit.other.recipient])
    write(overlay / "secrets" / "api.enc.json", (tmp_path / "secrets" / "api.enc.json").read_bytes())
    write(overlay / ".sops.yaml", (tmp_path / ".sops.yaml").read_text())
    write(overlay / "generator.yaml", KSOPS.replace(
        "metadata:\n  name: gen\n", "metadata:\n  name: gen\n  annotations:\n"
        "    config.kubernetes.io/function: |\n      exec:\n        path: kustguard-sops\n"))
    write(overlay / "kustomization.yaml", "generators:\n  - generator.yaml\n")
    done = subprocess.run([KUSTOMIZE, "build", "--enable-alpha-plugins", "--enable-exec", "."],
                          cwd=overlay, env=kit.env(), capture_output=True, check=False)
    assert done.returncode != 0 and done.stdout == b""
    assert b"not in the rule" in done.stderr and TOKEN.encode() not in done.stderr
