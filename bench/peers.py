"""Install and find the peers the benchmark compares against, pinned.

Everything lands in the ignored tools folder, never in the project venv:

- kubeconform (and kustomize): the project's own pins, installed by
  `make setup` into .tools/bin (tools/versions.env);
- kube-linter and netpol-analyzer (`netpolicy`): `go install` into
  .tools/bench/bin. First the plain `go install <pkg>@<version>`; if the
  module proxy refuses that (a vanity path it does not serve, a version list
  it will not give), the same version is built from the pinned module in
  bench/peers/<name>/ (go.mod + go.sum pin every dependency);
- Checkov, pyinstrument and py-spy: a separate venv, .tools/bench-venv, from
  bench/peers/requirements.txt (every package pinned).

A peer that cannot be installed is reported with the reason and left out;
the benchmark goes on with the rest.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PINS = HERE / "peers"


def read_env(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


@dataclass
class Peer:
    name: str
    version: str
    path: str | None = None
    problem: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.path is not None


@dataclass
class Peers:
    kubeconform: Peer
    kustomize: Peer
    kube_linter: Peer
    netpolicy: Peer
    checkov: Peer
    bench_python: str | None = None  # the bench venv's python (pyinstrument)
    py_spy: str | None = None

    def all(self) -> list[Peer]:
        return [self.kubeconform, self.kustomize, self.kube_linter, self.netpolicy, self.checkov]


_URL = re.compile(r"\S+://\S+")


def _clean(text: str) -> str:
    """An error line without addresses (results are committed)."""
    return _URL.sub("<registry>", text).strip()


def _log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _go_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra or {})
    return env


def _stamp(bin_dir: Path, name: str) -> Path:
    return bin_dir / f".{name}.version"


def _have(bin_dir: Path, name: str, version: str) -> bool:
    stamp = _stamp(bin_dir, name)
    return (bin_dir / name).is_file() and stamp.is_file() and stamp.read_text().strip() == version


def _go_install(name: str, binary: str, package: str, version: str, pinned_dir: Path,
                bin_dir: Path, work: Path, nosumdb: str = "") -> Peer:
    peer = Peer(name, version)
    notes = bin_dir / f".{binary}.notes"
    if _have(bin_dir, binary, version):
        peer.path = str(bin_dir / binary)
        peer.notes = notes.read_text().splitlines() if notes.is_file() else []
        return peer
    go = shutil.which("go")
    if go is None:
        peer.problem = "Go is not installed, so it cannot be built (go install)"
        return peer
    bin_dir.mkdir(parents=True, exist_ok=True)
    env = _go_env({"GOBIN": str(bin_dir)})
    _log(f"installing {name} {version}: go install {package}@{version}")
    first = subprocess.run([go, "install", f"{package}@{version}"], env=env,
                           capture_output=True, text=True)
    if first.returncode != 0:
        reason = _clean((first.stderr.strip().splitlines() or ["no output"])[-1])
        peer.notes.append(f"`go install {package}@{version}` failed ({reason[:160]}); "
                          f"built the same version from bench/peers/{pinned_dir.name}/ instead")
        _log(f"  plain go install failed ({reason[:160]}); building from the pinned module")
        src = work / pinned_dir.name
        if src.exists():
            shutil.rmtree(src)
        shutil.copytree(pinned_dir, src)
        extra = {"GOBIN": str(bin_dir), "GOFLAGS": "-mod=readonly"}
        if nosumdb:
            # go.sum already pins this module's hash; the checksum database
            # is only consulted for modules go.sum lacks.
            extra["GONOSUMDB"] = nosumdb
        second = subprocess.run([go, "install", package], cwd=src, env=_go_env(extra),
                                capture_output=True, text=True)
        if second.returncode != 0:
            reason = _clean((second.stderr.strip().splitlines() or ["no output"])[-1])
            peer.problem = f"could not be built: {reason[:200]}"
            return peer
    _stamp(bin_dir, binary).write_text(version + "\n")
    notes.write_text("".join(f"{n}\n" for n in peer.notes))
    peer.path = str(bin_dir / binary)
    return peer


def _venv(venv: Path, requirements: Path) -> tuple[str | None, str]:
    """Create the bench venv from the pinned requirements; (python, problem)."""
    python = venv / "bin" / "python"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = venv / ".installed"
    if python.is_file() and stamp.is_file() and stamp.read_text().strip() == digest:
        return str(python), ""
    _log(f"installing Checkov and the profilers into {venv.name} (pinned, {requirements.name})")
    base = getattr(sys, "_base_executable", sys.executable)
    made = subprocess.run([base, "-m", "venv", "--clear", str(venv)], capture_output=True, text=True)
    if made.returncode != 0:
        return None, f"cannot create a venv: {made.stderr.strip()[:200]}"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    done = subprocess.run([*pip, "-r", str(requirements)], capture_output=True, text=True)
    if done.returncode != 0:
        reason = _clean((done.stderr.strip().splitlines() or ["no output"])[-1])
        return None, f"pip install -r {requirements.name} failed: {reason[:200]}"
    stamp.write_text(digest + "\n")
    return str(python), ""


def find(install: bool, tools_dir: Path | None = None) -> Peers:
    """The peers, installed first when `install` (else only those already there)."""
    tools = tools_dir or REPO / ".tools"
    pins = read_env(PINS / "versions.env")
    project = read_env(REPO / "tools" / "versions.env")
    bench_bin = tools / "bench" / "bin"
    work = tools / "bench" / "src"
    work.mkdir(parents=True, exist_ok=True)

    def project_tool(name: str, version_key: str) -> Peer:
        peer = Peer(name, project.get(version_key, "?"))
        path = tools / "bin" / name
        if path.is_file():
            peer.path = str(path)
        else:
            peer.problem = "not in .tools/bin: run `make setup` (needs Go)"
        return peer

    kubeconform = project_tool("kubeconform", "KUBECONFORM_VERSION")
    kustomize = project_tool("kustomize", "KUSTOMIZE_VERSION")

    def go_peer(name: str, binary: str, package: str, key: str, pinned: str, nosumdb: str = "") -> Peer:
        version = pins[key]
        if install:
            try:
                return _go_install(name, binary, package, version, PINS / pinned, bench_bin, work,
                                   nosumdb)
            except OSError as exc:
                return Peer(name, version, problem=f"install failed: {exc}")
        if _have(bench_bin, binary, version):
            notes = bench_bin / f".{binary}.notes"
            return Peer(name, version, str(bench_bin / binary),
                        notes=notes.read_text().splitlines() if notes.is_file() else [])
        return Peer(name, version, problem="not installed (run `make bench` to install it)")

    kube_linter = go_peer("kube-linter", "kube-linter", "golang.stackrox.io/kube-linter/cmd/kube-linter",
                          "KUBE_LINTER_VERSION", "kube-linter")
    netpolicy = go_peer("netpol-analyzer", "netpolicy",
                        "github.com/np-guard/netpol-analyzer/cmd/netpolicy",
                        "NETPOL_ANALYZER_VERSION", "netpolicy", nosumdb="github.com/np-guard")

    venv = tools / "bench-venv"
    checkov = Peer("checkov", pins["CHECKOV_VERSION"])
    python = None
    if install:
        python, problem = _venv(venv, PINS / "requirements.txt")
        if problem:
            checkov.problem = problem
    elif (venv / ".installed").is_file():
        python = str(venv / "bin" / "python")
    else:
        checkov.problem = "not installed (run `make bench` to install it)"
    if python and (venv / "bin" / "checkov").is_file():
        checkov.path = str(venv / "bin" / "checkov")
    elif python and not checkov.problem:
        checkov.problem = "the bench venv has no checkov executable"
    py_spy = venv / "bin" / "py-spy"
    return Peers(kubeconform, kustomize, kube_linter, netpolicy, checkov, python,
                 str(py_spy) if py_spy.is_file() else None)


def versions(peers: Peers) -> dict[str, str]:
    """What each installed peer says it is (with the pin it was built from)."""
    out = {}
    for peer in peers.all():
        if not peer.ok:
            out[peer.name] = f"not installed: {peer.problem}"
            continue
        out[peer.name] = peer.version
        if peer.name == "checkov":
            got = subprocess.run([peer.path, "--version"], capture_output=True, text=True)
            out[peer.name] = got.stdout.strip() or peer.version
    return out


if __name__ == "__main__":  # python bench/peers.py [--no-install]: install, then list
    result = find(install="--no-install" not in sys.argv)
    for p in result.all():
        state = p.path if p.ok else f"MISSING: {p.problem}"
        print(f"{p.name:16} {p.version:10} {state}")
        for note in p.notes:
            print(f"{'':27} note: {note}")
