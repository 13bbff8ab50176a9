"""End-to-end tests on a real control plane (docs/e2e.md).

They need the binaries e2e/build-binaries.sh builds (``make e2e`` builds them
and passes their folder in KUSTGUARD_E2E_BIN), and run only when selected
with ``-m e2e``; without a ``-m`` expression, ``pytest``/``make test``
deselect them (and say so), because they start a cluster and Argo CD.

One control plane serves the whole session. Its processes are stopped at the
end of the session whatever happens; a failing test's report ends with each
process's state and the end of its log, and the log folder is kept (and
printed) when anything failed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path.insert(0, str(REPO_ROOT / "e2e"))
sys.path.insert(0, str(HERE))

import e2e_project as project  # noqa: E402
from kustguard_e2e.controlplane import Binaries, ControlPlane  # noqa: E402
from kustguard_e2e.install import RenderedInstall  # noqa: E402

from kustguard.argocd import ArgoCD  # noqa: E402
from kustguard.pipeline import render_objects  # noqa: E402

BUILD_TIMEOUT = 4 * 3600
BIN_ENV = "KUSTGUARD_E2E_BIN"
KEEP_ENV = "KUSTGUARD_E2E_KEEP"  # keep the logs folder even when all passed
_running: list[ControlPlane] = []
_deselected: list[int] = [0]
_startup: dict[str, float] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: end-to-end test on a real control plane (Kubernetes, kwok and "
                   "Argo CD as processes); selected with -m e2e, as `make e2e` does")


def _is_e2e(item: pytest.Item) -> bool:
    return HERE in Path(str(item.path)).parents


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.option.markexpr:
        return  # -m decides
    ours = [item for item in items if _is_e2e(item)]
    if ours:
        config.hook.pytest_deselected(items=ours)
        items[:] = [item for item in items if not _is_e2e(item)]
        _deselected[0] = len(ours)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001
    for what, seconds in _startup.items():
        terminalreporter.write_line(f"kustguard e2e: {what} started in {seconds:g}s")
    if _deselected[0]:
        terminalreporter.write_line(
            f"{_deselected[0]} end-to-end tests deselected: run them with `make e2e` "
            f"(pytest -m e2e tests/e2e)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call) -> Iterator[None]:  # noqa: ARG001
    outcome = yield
    report = outcome.get_result()
    if report.failed and _running and _is_e2e(item):
        report.sections.append(("control plane", _running[-1].report()))


@pytest.fixture(scope="session")
def e2e_binaries() -> Binaries:
    """The built binaries: KUSTGUARD_E2E_BIN, or whatever the build script prints
    (it builds what is missing, and is a quick no-op when all is cached)."""
    folder = os.environ.get(BIN_ENV)
    if not folder:
        out = subprocess.run(["bash", str(REPO_ROOT / "e2e" / "build-binaries.sh")],
                             capture_output=True, text=True, timeout=BUILD_TIMEOUT)
        assert out.returncode == 0, f"e2e/build-binaries.sh failed:\n{out.stderr[-5000:]}"
        folder = out.stdout.strip().splitlines()[-1]
    return Binaries(Path(folder))


@pytest.fixture(scope="session")
def cluster(e2e_binaries: Binaries, request: pytest.FixtureRequest) -> Iterator[ControlPlane]:
    """kube-apiserver, controller-manager, scheduler, etcd and kwok, with kwok
    nodes named and labelled like the k3d cluster's."""
    cp = ControlPlane(e2e_binaries)
    _running.append(cp)
    try:
        cp.start_kubernetes(project.k3d_nodes())
        yield cp
    finally:
        _startup.update(cp.timings)
        cp.stop()
        _running.remove(cp)
        if request.session.testsfailed or os.environ.get(KEEP_ENV):
            print(f"\nkustguard e2e: control plane logs kept in {cp.logs}")
        else:
            shutil.rmtree(cp.workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def argocd(cluster: ControlPlane, shared_dir: Path) -> ControlPlane:
    """Argo CD on the cluster: CRDs, the ConfigMaps of the rendered argocd/install,
    redis, the kustguard plugin server (its plugin.yaml and environment from
    the same rendering), repo-server, application controller and API server."""
    crds = project.argocd_crds(shared_dir, cluster.bins.argocd_install_manifest)
    cluster.start_argocd(crds=crds, install=RenderedInstall(project.install_objects()),
                         tool_path=project.plugin_tool_path(),
                         bootstrap_secrets=[project.age_key_secret()])
    return cluster


@pytest.fixture(scope="session")
def remote(argocd: ControlPlane, tmp_path_factory) -> project.GitRemote:  # noqa: ARG001
    return project.GitRemote.create(tmp_path_factory.mktemp("git"))


@pytest.fixture(scope="session")
def deployed(argocd: ControlPlane, remote: project.GitRemote) -> project.GitRemote:
    """The k3d bootstrap against the file:// remote: volumes for the claims (the
    cluster has no provisioner), then the projects and the root app. The
    GitOps and the UI scenarios share it (test_gitops.py, test_ui.py)."""
    claims = [o for o in render_objects(project.REPO_ROOT / "overlays" / "k3d")
              if o["kind"] == "PersistentVolumeClaim"]
    assert claims, "the k3d environment has no claims: nothing tests the storage setup"
    argocd.provide_volumes(claims)
    for obj in project.bootstrap_objects(remote.url):
        argocd.kube.apply(obj)
    return remote


@pytest.fixture
def client(argocd: ControlPlane) -> Iterator[ArgoCD]:
    with ArgoCD(project.argocd_session(argocd, read_timeout=60)) as api:
        yield api


@pytest.fixture
def cli_env(argocd: ControlPlane) -> dict[str, str]:
    """Environment for `kustguard argocd ...` against this Argo CD."""
    return {**os.environ, "ARGOCD_SERVER": argocd.argocd_url, "ARGOCD_USERNAME": "admin",
            "ARGOCD_PASSWORD": argocd.argocd_password, "NO_COLOR": "1"}
