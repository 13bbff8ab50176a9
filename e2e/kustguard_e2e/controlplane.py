"""Kubernetes and Argo CD as plain processes on 127.0.0.1.

Start order, each step waiting for the previous one to be ready:

1. etcd; kube-apiserver (client-certificate auth, RBAC); an admin kubeconfig;
   kube-controller-manager and kube-scheduler; kwok, which owns the Nodes
   labelled ``type=kwok`` and makes their pods Running and Ready.
2. Argo CD: its CRDs and the ConfigMaps of the project's rendered
   ``argocd/install``, redis, the config management plugin server (the
   sidecar's plugin.yaml and environment from that rendering), repo-server,
   application controller (``ARGOCD_FAKE_IN_CLUSTER=true``: the in-cluster
   destination is the kubeconfig's cluster) and API server (TLS from our CA,
   a known admin password), serving the web UI.

Every process logs into ``<workdir>/logs``; :meth:`ControlPlane.stop` stops
them all (also at interpreter exit).
"""
from __future__ import annotations

import base64
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from kustguard_e2e.install import RenderedInstall, secret_data
from kustguard_e2e.kube import Kube, KubeError
from kustguard_e2e.pki import PKI
from kustguard_e2e.processes import Process, StartupError, Supervisor, free_port, wait_until

HERE = Path(__file__).resolve().parent
MANIFESTS = HERE.parent / "manifests"

SERVICE_CIDR = "10.96.0.0/16"
SERVICE_IP = "10.96.0.1"
POD_CIDR = "10.244.0.0/16"
ARGOCD_NAMESPACE = "argocd"
ADMIN_USER = "kustguard-e2e-admin"
# workload -> container: Argo CD's processes (their environment comes from
# the rendered install's ConfigMap references).
ARGOCD_WORKLOADS = {
    "argocd-server": "argocd-server",
    "argocd-repo-server": "argocd-repo-server",
    "argocd-application-controller": "argocd-application-controller",
}
START_TIMEOUT = 180.0


@dataclass(frozen=True)
class Binaries:
    """The built control plane (``e2e/build-binaries.sh`` prints ``bin``)."""

    bin: Path

    def __getitem__(self, name: str) -> Path:
        path = self.bin / name
        if not os.access(path, os.X_OK):
            raise FileNotFoundError(f"{path} is missing: run e2e/build-binaries.sh")
        return path

    @property
    def argocd_install_manifest(self) -> Path:
        """Argo CD's install.yaml, kept beside the binaries by the build."""
        return self.bin.parent / "share" / "argocd-install.yaml"

    @property
    def argocd_ui(self) -> Path:
        """The web UI build the argocd binary embeds, for ``--staticassets``."""
        return self.bin.parent / "share" / "ui"

    def check(self, *names: str) -> None:
        for name in names:
            self[name]


KUBERNETES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")


def check_tools(*tools: str) -> None:
    """Tools from the system (Debian: apt-get install redis-server git)."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise FileNotFoundError(f"missing: {', '.join(missing)} (Debian: apt-get install "
                                f"{' '.join(missing)})")


@dataclass
class Endpoints:
    etcd: int = 0
    etcd_peer: int = 0
    apiserver: int = 0
    controller_manager: int = 0
    scheduler: int = 0
    redis: int = 0
    repo_server: int = 0
    repo_server_metrics: int = 0
    argocd_server: int = 0
    argocd_server_metrics: int = 0
    controller_metrics: int = 0
    used: set[int] = field(default_factory=set)

    def allocate(self, *names: str) -> None:
        for name in names:
            setattr(self, name, free_port(self.used))


def _kubeconfig(path: Path, server: str, ca: Path, cert: Path, key: Path,
                namespace: str = "default") -> Path:
    config = {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "e2e", "cluster": {"server": server,
                                                  "certificate-authority": str(ca)}}],
        "users": [{"name": "admin", "user": {"client-certificate": str(cert),
                                             "client-key": str(key)}}],
        "contexts": [{"name": "e2e", "context": {"cluster": "e2e", "user": "admin",
                                                 "namespace": namespace}}],
        "current-context": "e2e",
    }
    path.write_text(yaml.safe_dump(config))
    return path


def _tcp_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _http_ok(url: str, **kwargs: Any) -> bool:
    try:
        return requests.get(url, timeout=3, **kwargs).status_code == 200
    except requests.RequestException:
        return False


def _redis_ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")


class ControlPlane:
    """One throwaway cluster (and, once started, Argo CD) in ``workdir``."""

    def __init__(self, binaries: Binaries, workdir: Path | None = None) -> None:
        self.bins = binaries
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="kustguard-e2e-"))
        self.logs = self.workdir / "logs"
        self.supervisor = Supervisor(self.logs)
        self.ports = Endpoints()
        self.pki = PKI(self.workdir / "pki")
        self.kube: Kube | None = None
        self.kubeconfig: Path | None = None
        self.argocd_kubeconfig: Path | None = None
        self.argocd_password: str | None = None
        self.argocd_ca: Path = self.pki.ca
        self.timings: dict[str, float] = {}
        self._install = RenderedInstall([])

    # -- lifecycle -------------------------------------------------------------
    def __enter__(self) -> "ControlPlane":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.supervisor.stop_all()
        if self.kube is not None:
            self.kube.close()

    def process(self, name: str) -> Process:
        return self.supervisor[name]

    def report(self, lines: int = 40) -> str:
        return f"control plane logs in {self.logs}\n{self.supervisor.report(lines)}"

    def _timed(self, what: str, started: float) -> None:
        self.timings[what] = round(time.monotonic() - started, 1)

    # -- Kubernetes --------------------------------------------------------------
    @property
    def apiserver_url(self) -> str:
        return f"https://127.0.0.1:{self.ports.apiserver}"

    def start_kubernetes(self, nodes: list[dict[str, Any]],
                         kwok_stages: Path = MANIFESTS / "kwok-stages.yaml") -> None:
        """``nodes``: ``[{"name": ..., "labels": {...}}]``, created as kwok nodes."""
        self.bins.check(*KUBERNETES)
        t0 = time.monotonic()
        self.ports.allocate("etcd", "etcd_peer", "apiserver", "controller_manager",
                            "scheduler")
        pki = self.pki
        serving = pki.serving("apiserver", dns=(
            "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local"), ips=("127.0.0.1", SERVICE_IP))
        admin = pki.client("admin", ADMIN_USER, "system:masters")
        sa = pki.service_account_keys()

        etcd_url = f"http://127.0.0.1:{self.ports.etcd}"
        peer_url = f"http://127.0.0.1:{self.ports.etcd_peer}"
        etcd = self.supervisor.start("etcd", [
            self.bins["etcd"], "--name=e2e", f"--data-dir={self.workdir / 'etcd'}",
            f"--listen-client-urls={etcd_url}", f"--advertise-client-urls={etcd_url}",
            f"--listen-peer-urls={peer_url}", f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=e2e={peer_url}", "--unsafe-no-fsync=true",
            "--log-level=warn"])
        wait_until(lambda: _http_ok(f"{etcd_url}/health"), timeout=60,
                   what="etcd /health", process=etcd)

        apiserver = self.supervisor.start("kube-apiserver", [
            self.bins["kube-apiserver"],
            f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
            f"--secure-port={self.ports.apiserver}",
            f"--cert-dir={self.workdir / 'apiserver'}",
            f"--tls-cert-file={serving.cert}", f"--tls-private-key-file={serving.key}",
            f"--client-ca-file={pki.ca}",
            "--authorization-mode=RBAC",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={sa.cert}",
            f"--service-account-signing-key-file={sa.key}",
            # Nothing in this cluster reaches the API through the kubernetes
            # Service, and its Endpoints may not hold a loopback address.
            "--endpoint-reconciler-type=none",
            # As k3s: privileged pods are allowed (Pod Security admission,
            # which is on by default, still applies per namespace).
            "--allow-privileged=true",
            "--profiling=false"])
        self.kubeconfig = _kubeconfig(self.workdir / "admin.kubeconfig", self.apiserver_url,
                                      pki.ca, admin.cert, admin.key)
        self.argocd_kubeconfig = _kubeconfig(self.workdir / "argocd.kubeconfig",
                                             self.apiserver_url, pki.ca, admin.cert,
                                             admin.key, namespace=ARGOCD_NAMESPACE)
        self.kube = Kube(self.apiserver_url, ca=str(pki.ca), cert=str(admin.cert),
                         key=str(admin.key))
        wait_until(self.kube.ready, timeout=START_TIMEOUT, what="kube-apiserver /readyz",
                   process=apiserver)

        common = [f"--kubeconfig={self.kubeconfig}",
                  f"--authentication-kubeconfig={self.kubeconfig}",
                  f"--authorization-kubeconfig={self.kubeconfig}",
                  "--bind-address=127.0.0.1", "--leader-elect=false"]
        kcm_tls = pki.serving("kube-controller-manager")
        scheduler_tls = pki.serving("kube-scheduler")
        kcm = self.supervisor.start("kube-controller-manager", [
            self.bins["kube-controller-manager"], *common,
            f"--secure-port={self.ports.controller_manager}",
            f"--tls-cert-file={kcm_tls.cert}", f"--tls-private-key-file={kcm_tls.key}",
            f"--service-account-private-key-file={sa.key}",
            f"--root-ca-file={pki.ca}",
            f"--cluster-signing-cert-file={pki.ca}",
            f"--cluster-signing-key-file={pki.folder / 'ca.key'}",
            "--use-service-account-credentials=false"])
        scheduler = self.supervisor.start("kube-scheduler", [
            self.bins["kube-scheduler"], *common,
            f"--secure-port={self.ports.scheduler}",
            f"--tls-cert-file={scheduler_tls.cert}",
            f"--tls-private-key-file={scheduler_tls.key}"])
        ca = str(pki.ca)
        wait_until(lambda: _http_ok(f"https://127.0.0.1:{self.ports.controller_manager}/healthz",
                                    verify=ca),
                   timeout=START_TIMEOUT, what="kube-controller-manager /healthz", process=kcm)
        wait_until(lambda: _http_ok(f"https://127.0.0.1:{self.ports.scheduler}/healthz",
                                    verify=ca),
                   timeout=START_TIMEOUT, what="kube-scheduler /healthz", process=scheduler)
        # The service-account controller runs: pods can be admitted.
        wait_until(lambda: self.kube.get("v1", "ServiceAccount", "default", "default"),
                   timeout=START_TIMEOUT, what="the default ServiceAccount", process=kcm)

        home = self.workdir / "kwok-home"
        home.mkdir(exist_ok=True)
        kwok = self.supervisor.start("kwok", [
            self.bins["kwok"], f"--kubeconfig={self.kubeconfig}",
            f"--config={kwok_stages}",
            "--manage-all-nodes=false", "--manage-nodes-with-label-selector=type=kwok",
            f"--cidr={POD_CIDR}", "--node-ip=127.0.0.1",
            # Renew node Leases (as kubelets do): without the flag, kwok
            # v0.7.0 runs no lease controller and its status heartbeat comes
            # less often than the node monitor grace period, so nodes flap.
            "--node-lease-duration-seconds=40"],
            env={**os.environ, "HOME": str(home)})
        for node in nodes:
            labels = {"type": "kwok", "kubernetes.io/os": "linux",
                      "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": node["name"],
                      **node.get("labels", {})}
            self.kube.apply({"apiVersion": "v1", "kind": "Node",
                             "metadata": {"name": node["name"], "labels": labels,
                                          "annotations": {"kwok.x-k8s.io/node": "fake"}}})

        def nodes_ready() -> bool:
            found = self.kube.list("v1", "Node", label_selector="type=kwok")
            ready = [n for n in found if any(c["type"] == "Ready" and c["status"] == "True"
                                             for c in n.get("status", {}).get("conditions", []))]
            return len(ready) == len(nodes)
        wait_until(nodes_ready, timeout=START_TIMEOUT, what="kwok nodes Ready", process=kwok)
        self._timed("kubernetes", t0)

    def provide_volumes(self, claims: list[dict]) -> None:
        """A StorageClass per class the claims name (no provisioner runs) and a
        PersistentVolume pre-bound to each claim, so the claims bind."""
        for name in sorted({c["spec"].get("storageClassName") for c in claims} - {None}):
            self.kube.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                             "metadata": {"name": name,
                                          "labels": {"kustguard.io/e2e": "true"}},
                             "provisioner": "kubernetes.io/no-provisioner",
                             "volumeBindingMode": "Immediate",
                             "reclaimPolicy": "Retain"})
        for claim in claims:
            meta, spec = claim["metadata"], claim["spec"]
            ns = meta.get("namespace", "default")
            self.kube.apply({
                "apiVersion": "v1", "kind": "PersistentVolume",
                "metadata": {"name": f"e2e-{ns}-{meta['name']}",
                             "labels": {"kustguard.io/e2e": "true"}},
                "spec": {
                    "capacity": {"storage": spec["resources"]["requests"]["storage"]},
                    "accessModes": spec.get("accessModes", ["ReadWriteOnce"]),
                    "storageClassName": spec.get("storageClassName", ""),
                    "persistentVolumeReclaimPolicy": "Retain",
                    "claimRef": {"namespace": ns, "name": meta["name"]},
                    "hostPath": {"path": str(self.workdir / "volumes" / ns / meta["name"])},
                }})

    def install_crds(self, crds: list[dict], timeout: float = 120.0) -> None:
        for crd in crds:
            self.kube.apply(crd)

        def established() -> bool:
            for crd in crds:
                live = self.kube.get("apiextensions.k8s.io/v1", "CustomResourceDefinition",
                                     crd["metadata"]["name"])
                conditions = (live or {}).get("status", {}).get("conditions", [])
                if not any(c["type"] == "Established" and c["status"] == "True"
                           for c in conditions):
                    return False
            return True
        wait_until(established, timeout=timeout, what="CRDs Established",
                   process=self.process("kube-apiserver"))
        self.kube.refresh_discovery()

    def ensure_namespace(self, name: str) -> None:
        if self.kube.get("v1", "Namespace", name) is None:
            try:
                self.kube.request("POST", "/api/v1/namespaces",
                                  body={"apiVersion": "v1", "kind": "Namespace",
                                        "metadata": {"name": name}})
            except KubeError as exc:
                if exc.status != 409:
                    raise

    # -- Argo CD -------------------------------------------------------------------
    @property
    def argocd_url(self) -> str:
        return f"https://127.0.0.1:{self.ports.argocd_server}"

    def _argocd_env(self, component: str, extra: dict[str, str]) -> dict[str, str]:
        env = {**os.environ, **extra, "ARGOCD_BINARY_NAME": component,
               "KUBECONFIG": str(self.argocd_kubeconfig),
               "TMPDIR": str(self.workdir / "tmp" / component),
               "ARGOCD_TLS_DATA_PATH": str(self.workdir / "argocd" / "tls"),
               "ARGOCD_SSH_DATA_PATH": str(self.workdir / "argocd" / "ssh"),
               "ARGOCD_GNUPGHOME": str(self.workdir / "argocd" / "gnupg"),
               "ARGOCD_GPG_DATA_PATH": str(self.workdir / "argocd" / "gpg"),
               "ARGOCD_GPG_ENABLED": "false"}
        for key in ("TMPDIR", "ARGOCD_TLS_DATA_PATH", "ARGOCD_SSH_DATA_PATH",
                    "ARGOCD_GNUPGHOME", "ARGOCD_GPG_DATA_PATH"):
            Path(env[key]).mkdir(parents=True, exist_ok=True)
        if component in ARGOCD_WORKLOADS:
            env.update(self._install.env_from_config_maps(component, ARGOCD_WORKLOADS[component]))
        return env

    def bcrypt(self, password: str) -> str:
        """Argo CD's own bcrypt (``argocd account bcrypt``)."""
        out = subprocess.run([str(self.bins["argocd"]), "account", "bcrypt",
                              "--password", password],
                             env={**os.environ, "ARGOCD_BINARY_NAME": "argocd"},
                             capture_output=True, text=True, timeout=60, check=True)
        return out.stdout.strip()

    def start_argocd(self, *, crds: list[dict], install: RenderedInstall,
                     tool_path: list[Path], bootstrap_secrets: list[dict]) -> None:
        """Start Argo CD as the rendered ``install`` configures it.

        ``bootstrap_secrets``: the Secrets the bootstrap creates beside the
        install (the age key the plugin sidecar mounts);
        ``tool_path``: folders put first on PATH (kustomize, the KRM plugin),
        as the sidecar image has them.
        """
        self.bins.check("argocd")
        check_tools("redis-server", "git")
        t0 = time.monotonic()
        kube = self.kube
        self.install_crds(crds)
        self.ensure_namespace(ARGOCD_NAMESPACE)
        self._install = install
        for obj in install.config_maps():
            kube.apply({**obj, "metadata": {**obj["metadata"], "namespace": ARGOCD_NAMESPACE}})
        for secret in bootstrap_secrets:
            kube.apply(secret)

        self.argocd_password = secrets.token_urlsafe(18)
        labels = {"app.kubernetes.io/part-of": "argocd"}
        kube.apply({"apiVersion": "v1", "kind": "Secret",
                    "metadata": {"name": "argocd-secret", "namespace": ARGOCD_NAMESPACE,
                                 "labels": {**labels, "app.kubernetes.io/name": "argocd-secret"}},
                    "type": "Opaque",
                    "stringData": {"admin.password": self.bcrypt(self.argocd_password),
                                   "admin.passwordMtime": time.strftime(
                                       "%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                   "server.secretkey": secrets.token_urlsafe(32)}})
        tls = self.pki.serving("argocd-server")
        kube.apply({"apiVersion": "v1", "kind": "Secret",
                    "metadata": {"name": "argocd-server-tls", "namespace": ARGOCD_NAMESPACE,
                                 "labels": labels},
                    "type": "kubernetes.io/tls",
                    "data": {"tls.crt": base64.b64encode(tls.cert.read_bytes()).decode(),
                             "tls.key": base64.b64encode(tls.key.read_bytes()).decode()}})

        self.ports.allocate("redis", "repo_server", "repo_server_metrics", "argocd_server",
                            "argocd_server_metrics", "controller_metrics")
        redis_dir = self.workdir / "redis"
        redis_dir.mkdir(exist_ok=True)
        redis = self.supervisor.start("redis", [
            shutil.which("redis-server"), "--bind", "127.0.0.1",
            "--port", str(self.ports.redis), "--dir", str(redis_dir), "--save", "",
            "--appendonly", "no", "--protected-mode", "yes"])
        wait_until(lambda: _redis_ping(self.ports.redis), timeout=60, what="redis PING",
                   process=redis)

        path = os.pathsep.join([*map(str, tool_path), os.environ.get("PATH", "")])
        argocd = str(self.bins["argocd"])
        redis_addr = f"127.0.0.1:{self.ports.redis}"
        repo_addr = f"127.0.0.1:{self.ports.repo_server}"

        # The config management plugin: what the kustguard-cmp sidecar runs.
        sockets = self.workdir / "cmp" / "plugins"
        config_dir = self.workdir / "cmp" / "config"
        sockets.mkdir(parents=True, exist_ok=True)
        config_dir.mkdir(parents=True, exist_ok=True)
        plugin_text = install.plugin_config()
        (config_dir / "plugin.yaml").write_text(plugin_text)
        plugin_name = yaml.safe_load(plugin_text)["metadata"]["name"]
        plugin_env = install.plugin_env(
            self.workdir / "cmp" / "mounts",
            {s["metadata"]["name"]: secret_data(s) for s in bootstrap_secrets}, sockets)
        cmp = self.supervisor.start("argocd-cmp-server", [
            argocd, "--config-dir-path", str(config_dir), "--loglevel", "info"],
            env={**self._argocd_env("argocd-cmp-server", plugin_env), "PATH": path,
                 "ARGOCD_PLUGINSOCKFILEPATH": str(sockets)})
        wait_until(lambda: (sockets / f"{plugin_name}.sock").exists(), timeout=START_TIMEOUT,
                   what="the plugin's socket", process=cmp)

        repo = self.supervisor.start("argocd-repo-server", [
            argocd, "--address", "127.0.0.1", "--port", str(self.ports.repo_server),
            "--metrics-address", "127.0.0.1",
            "--metrics-port", str(self.ports.repo_server_metrics),
            "--redis", redis_addr, "--loglevel", "info"],
            env={**self._argocd_env("argocd-repo-server", {}), "PATH": path,
                 "ARGOCD_PLUGINSOCKFILEPATH": str(sockets)})
        wait_until(lambda: _tcp_open(self.ports.repo_server), timeout=START_TIMEOUT,
                   what="argocd-repo-server port", process=repo)

        self.supervisor.start("argocd-application-controller", [
            argocd, "--redis", redis_addr, "--repo-server", repo_addr,
            # Its metrics listener is bound to 0.0.0.0 by Argo CD itself
            # (controller/appcontroller.go); there is no address flag.
            "--metrics-port", str(self.ports.controller_metrics),
            "--loglevel", "info"],
            env={**self._argocd_env("argocd-application-controller", {}),
                 "ARGOCD_FAKE_IN_CLUSTER": "true",
                 # The shard number comes from the StatefulSet pod name.
                 "HOSTNAME": "argocd-application-controller-0"})
        self.wait_controller()

        self.supervisor.start("argocd-server", [
            argocd, "--address", "127.0.0.1", "--port", str(self.ports.argocd_server),
            "--metrics-address", "127.0.0.1",
            "--metrics-port", str(self.ports.argocd_server_metrics),
            "--redis", redis_addr, "--repo-server", repo_addr,
            "--staticassets", str(self.bins.argocd_ui),
            "--loglevel", "info"],
            env={**self._argocd_env("argocd-server", {}), "ARGOCD_FAKE_IN_CLUSTER": "true"})
        self.wait_server()
        self._timed("argocd", t0)

    def wait_controller(self, timeout: float = START_TIMEOUT) -> None:
        wait_until(lambda: _http_ok(f"http://127.0.0.1:{self.ports.controller_metrics}/healthz"),
                   timeout=timeout, what="argocd-application-controller /healthz",
                   process=self.process("argocd-application-controller"))

    def wait_server(self, timeout: float = START_TIMEOUT) -> None:
        wait_until(lambda: _http_ok(f"{self.argocd_url}/healthz", verify=str(self.pki.ca)),
                   timeout=timeout, what="argocd-server /healthz",
                   process=self.process("argocd-server"))
