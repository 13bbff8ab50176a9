"""`kustguard tools install`: the pins come from the package, and without Go one line says what works."""
from __future__ import annotations

import sys
from pathlib import Path

from kustguard.toolinstall import pinned_versions

REPO = Path(__file__).resolve().parents[2]


def test_the_makefile_and_the_command_read_the_same_pins():
    link = REPO / "tools" / "versions.env"
    assert link.is_symlink()
    assert link.resolve() == (REPO / "tools" / "kustguard" / "data" / "versions.env").resolve()
    assert set(pinned_versions()) == {"KUSTOMIZE_VERSION", "KUBECONFORM_VERSION"}
    assert all(v.startswith("v") for v in pinned_versions().values())


def test_without_go_one_line_says_what_still_works(kustguard, tmp_path):
    bare_path = str(Path(sys.executable).parent)   # kustguard only: no go, no kustomize
    proc = kustguard("tools", "install", "--bin-dir", str(tmp_path / "bin"), cwd=tmp_path,
                     env={"PATH": bare_path})
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("kustguard: Go is not installed, so kustomize and kubeconform "
                                  "cannot be built; still works: the Python schema backend")
    assert "install Go >= 1.22, then run 'kustguard tools install' again" in proc.stderr


def test_no_message_of_the_package_names_make():
    """Outside this repository there is no Makefile: messages name the command."""
    package = REPO / "tools" / "kustguard"
    offenders = [str(p.relative_to(REPO)) for p in package.rglob("*.py")
                 if "make setup" in p.read_text(encoding="utf-8")
                 and p.name != "toolchain.py"]       # its docstring explains both
    assert offenders == []
