"""What the end-to-end tests know about this project, read from its files:
the k3d cluster's nodes, the placeholder repository URL, the k3d
Applications, the Argo CD settings; and a git remote holding a copy of it."""
from __future__ import annotations

import base64
import copy
import functools
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kustguard.argocd import Session
from kustguard.discover import entries_from_args
from kustguard.kustomization import dependencies
from kustguard.toolchain import find_tool, tool_dirs, tool_env, venv_bin
from kustguard.upstream import pins_for

REPO_ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = REPO_ROOT / "e2e"
K3D_APPS = REPO_ROOT / "argocd" / "applications" / "k3d"
GIT_TIMEOUT = 120


def versions() -> dict[str, str]:
    """e2e/versions.env as a dict (the one place the pins are written)."""
    out = {}
    for line in (E2E_DIR / "versions.env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            out[key] = value
    return out


def load_docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


# -- the k3d environment ---------------------------------------------------------
def k3d_nodes(repo_root: Path = REPO_ROOT) -> list[dict[str, Any]]:
    """The nodes `k3d cluster create --config overlays/k3d/k3d-config.yaml` makes,
    named as k3d names them, with the config's node labels."""
    config = load_docs(repo_root / "overlays" / "k3d" / "k3d-config.yaml")[0]
    cluster = config["metadata"]["name"]
    nodes = {f"server:{i}": f"k3d-{cluster}-server-{i}" for i in range(config.get("servers", 1))}
    nodes.update({f"agent:{i}": f"k3d-{cluster}-agent-{i}"
                  for i in range(config.get("agents", 0))})
    labels: dict[str, dict[str, str]] = {name: {} for name in nodes.values()}
    for item in config.get("options", {}).get("k3s", {}).get("nodeLabels", []):
        key, value = item["label"].split("=", 1)
        for node_filter in item.get("nodeFilters", []):
            labels[nodes[node_filter]][key] = value
    return [{"name": name, "labels": labels[name]} for name in nodes.values()]


def k3d_applications() -> dict[str, Path]:
    """Application name -> file, for every Application of argocd/applications/k3d."""
    out = {}
    for path in sorted(K3D_APPS.glob("*.yaml")):
        for doc in load_docs(path):
            if doc.get("kind") == "Application":
                out[doc["metadata"]["name"]] = path
    return out


def root_application_file(env: str = "k3d") -> Path:
    return REPO_ROOT / "argocd" / "applications" / "roots" / f"{env}.yaml"


def placeholder_url() -> str:
    """The repository URL the committed manifests name (a fork replaces it)."""
    return load_docs(root_application_file())[0]["spec"]["source"]["repoURL"]


def bootstrap_objects(repo_url: str, env: str = "k3d") -> list[dict]:
    """The AppProjects and root app the bootstrap applies, with the fork's URL
    in place of the placeholder (as scripts/k3d-up.sh does)."""
    placeholder = placeholder_url()
    files = [REPO_ROOT / "argocd" / "install" / "default-project.yaml",
             REPO_ROOT / "argocd" / "projects" / "bootstrap.yaml",
             REPO_ROOT / "argocd" / "projects" / f"{env}.yaml",
             REPO_ROOT / "argocd" / "projects" / f"{env}-admin.yaml",
             *sorted((REPO_ROOT / "argocd" / "applications" / "admin").glob(f"{env}-*.yaml")),
             root_application_file(env)]
    out = []
    for path in files:
        out.extend(d for d in yaml.safe_load_all(path.read_text().replace(placeholder, repo_url))
                   if d)
    return out


@functools.cache
def _install_objects() -> tuple:
    from kustguard.pipeline import render_objects
    return tuple(render_objects(REPO_ROOT / "argocd" / "install"))


def install_objects() -> list[dict]:
    """argocd/install as the project renders it (upstream's install.yaml from the
    pinned Go module, the project's patches): what the Argo CD processes run."""
    return copy.deepcopy(list(_install_objects()))


def plugin_tool_path() -> list[Path]:
    """kustomize (pinned) and kustguard-sops, as the plugin sidecar has them."""
    return [venv_bin(), *tool_dirs(REPO_ROOT)]


def age_key_file() -> Path:
    return (REPO_ROOT / "keys" / "demo.agekey").resolve()


def age_key_secret() -> dict:
    """The Secret the bootstrap creates from the age key (scripts/k3d-up.sh)."""
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "kustguard-age-key", "namespace": "argocd"},
            "data": {"keys.txt": base64.b64encode(age_key_file().read_bytes()).decode()}}


# -- rendering ------------------------------------------------------------------------
def offline_entries() -> list:
    """Every kustomization the validator discovers that renders without the
    network: all of them (argocd/install's remote install.yaml is pinned to a
    file of the Argo CD Go module, see kustguard.upstream)."""
    out = []
    for entry in entries_from_args(REPO_ROOT, []):
        remote = dependencies(entry.path).remote
        pinned = {p.url for p in pins_for(entry.path)}
        if set(remote) <= pinned:
            out.append(entry)
    return out


def render_decrypted(folder: Path, repo_root: Path = REPO_ROOT) -> list[dict]:
    """kustomize build with the plugin really decrypting (not shape-only)."""
    kustomize = find_tool("kustomize", repo_root)
    assert kustomize, "kustomize is missing: run make setup"
    env = {**tool_env(repo_root, shape_only=False), "SOPS_AGE_KEY_FILE": str(age_key_file())}
    out = subprocess.run([kustomize, "build", "--enable-alpha-plugins", "--enable-exec",
                          str(folder)], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def secret_values(secret: dict) -> dict[str, bytes]:
    values = {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}
    values.update({k: v.encode() for k, v in (secret.get("stringData") or {}).items()})
    return values


def encrypted_keys(sops_file: Path) -> set[str]:
    """The keys a SOPS-encrypted Secret holds (names stay in clear text)."""
    doc = load_docs(sops_file)[0]
    return set(doc.get("data") or {}) | set(doc.get("stringData") or {})


# -- git --------------------------------------------------------------------------------
def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "kustguard e2e", "GIT_AUTHOR_EMAIL": "e2e@invalid",
           "GIT_COMMITTER_NAME": "kustguard e2e", "GIT_COMMITTER_EMAIL": "e2e@invalid",
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}
    out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env,
                         timeout=GIT_TIMEOUT)
    if out.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout.strip()


def project_files(repo_root: Path = REPO_ROOT) -> list[str]:
    """The files a `git add -A` of the working tree would commit."""
    listing = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=repo_root)
    return sorted(f for f in set(listing.split("\0")) if f and (repo_root / f).is_file())


@dataclass
class GitRemote:
    """A bare repository (served as ``file://``) holding a copy of the project's
    working tree, and a clone to change it from."""

    bare: Path
    work: Path
    branch: str = "main"

    @property
    def url(self) -> str:
        return self.bare.resolve().as_uri()

    @classmethod
    def create(cls, folder: Path, repo_root: Path = REPO_ROOT) -> "GitRemote":
        bare, work = folder / "kustguard.git", folder / "work"
        git("init", "--quiet", "--bare", "--initial-branch=main", str(bare), cwd=folder)
        git("init", "--quiet", "--initial-branch=main", str(work), cwd=folder)
        for rel in project_files(repo_root):
            dest = work / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(repo_root / rel, dest)
        remote = cls(bare, work)
        git("add", "-A", cwd=work)
        git("commit", "--quiet", "-m", "the project, as in the working tree", cwd=work)
        git("remote", "add", "origin", remote.url, cwd=work)
        git("push", "--quiet", "origin", "main", cwd=work)
        return remote

    def head(self) -> str:
        return git("rev-parse", "HEAD", cwd=self.work)

    def remote_head(self) -> str:
        return git("rev-parse", self.branch, cwd=self.bare)

    def commit_and_push(self, message: str) -> str:
        git("add", "-A", cwd=self.work)
        git("commit", "--quiet", "-m", message, cwd=self.work)
        git("push", "--quiet", "origin", self.branch, cwd=self.work)
        sha = self.head()
        assert self.remote_head() == sha
        return sha

    def revert_and_push(self, sha: str) -> str:
        git("revert", "--no-edit", sha, cwd=self.work)
        git("push", "--quiet", "origin", self.branch, cwd=self.work)
        return self.head()

    def edit(self, rel: str, old: str, new: str, count: int = 1) -> None:
        path = self.work / rel
        text = path.read_text()
        assert text.count(old) >= 1, f"{rel} does not contain {old!r}"
        path.write_text(text.replace(old, new, count))

    def append(self, rel: str, text: str) -> None:
        path = self.work / rel
        path.write_text(path.read_text().rstrip("\n") + "\n" + text)

    def remove_line(self, rel: str, pattern: str) -> None:
        path = self.work / rel
        lines = path.read_text().splitlines(keepends=True)
        kept = [line for line in lines if not re.fullmatch(pattern, line.rstrip("\n"))]
        assert len(kept) == len(lines) - 1, f"{pattern!r} is not exactly one line of {rel}"
        path.write_text("".join(kept))


def argocd_session(cp: Any, **kwargs: Any) -> Session:
    """A real login as admin, TLS verified against the control plane's CA."""
    return Session(cp.argocd_url, username="admin", password=cp.argocd_password,
                   ca_bundle=str(cp.argocd_ca), **kwargs)


# -- CRDs ---------------------------------------------------------------------------------
def upstream_crds(shared_dir: Path) -> list[dict]:
    """The upstream CRD files kept beside the repository (shared/<project>/<version>/crds)."""
    return [d for path in sorted(shared_dir.glob("*/*/crds/*.yaml")) for d in load_docs(path)
            if d.get("kind") == "CustomResourceDefinition"]


def argocd_crds(shared_dir: Path, install_manifest: Path) -> list[dict]:
    """The CRDs of the Argo CD version the project pins, checked to be those
    of the version the control plane runs (its install manifest's)."""
    folder = shared_dir / "argocd" / versions()["ARGOCD_PROJECT_VERSION"] / "crds"
    pinned = [d for path in sorted(folder.glob("*.yaml")) for d in load_docs(path)]
    assert pinned, f"no CRDs in {folder}"
    running = {d["metadata"]["name"]: d for d in load_docs(install_manifest)
               if d.get("kind") == "CustomResourceDefinition"}
    for crd in pinned:
        assert running.get(crd["metadata"]["name"]) == crd, \
            f"CRD {crd['metadata']['name']} differs between the pinned Argo CD and the " \
            f"one built for the tests ({install_manifest})"
    return pinned


def _structural(node: Any) -> Any:
    """A committed strict JSON schema back to a CRD's structural schema: CRDs
    may not say additionalProperties: false (the API server prunes instead)."""
    if isinstance(node, dict):
        return {k: _structural(v) for k, v in node.items()
                if k != "$schema" and not (k == "additionalProperties" and v is False)}
    if isinstance(node, list):
        return [_structural(v) for v in node]
    return node


def crd_from_schema(group: str, kind: str, version: str, schema: dict, namespaced: bool) -> dict:
    """A CRD serving ``schema`` (one of the repository's committed schemas under
    schemas/, generated from the upstream CRD by ``kustguard schemas import``)."""
    plural = kind.lower() + "s"
    spec_schema = _structural(schema)
    # The API server owns apiVersion, kind and metadata at the root.
    for key in ("apiVersion", "kind", "metadata"):
        spec_schema.get("properties", {}).pop(key, None)
    spec_schema["type"] = "object"
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}",
                     "labels": {"kustguard.io/e2e": "from-committed-schema"}},
        "spec": {"group": group, "scope": "Namespaced" if namespaced else "Cluster",
                 "names": {"kind": kind, "plural": plural, "singular": kind.lower(),
                           "listKind": f"{kind}List"},
                 "versions": [{"name": version, "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": spec_schema}}]},
    }


def crds_for(objects: list[dict], shared_dir: Path,
             repo_root: Path = REPO_ROOT) -> tuple[list[dict], list[str]]:
    """CRDs for the custom kinds ``objects`` use: upstream files first; for a kind
    no upstream file beside the repository defines, a CRD made from the
    committed schema. Returns (CRDs, the kinds whose CRD was made that way)."""
    upstream = upstream_crds(shared_dir)
    covered = {(c["spec"]["group"], c["spec"]["names"]["kind"]) for c in upstream}
    wanted: dict[tuple[str, str, str], bool] = {}
    for obj in objects:
        group, _, version = obj["apiVersion"].rpartition("/")
        if "." in group:  # built-in groups have no dot (apps, batch, ...) or are k8s.io
            if not group.endswith(".k8s.io"):
                wanted[(group, obj["kind"], version)] = bool(obj["metadata"].get("namespace"))
    made, names = [], []
    for (group, kind, version), namespaced in sorted(wanted.items()):
        if (group, kind) in covered:
            continue
        schema_file = repo_root / "schemas" / group / f"{kind.lower()}_{version}.json"
        if schema_file.is_file():
            made.append(crd_from_schema(group, kind, version,
                                        json.loads(schema_file.read_text()), namespaced))
            names.append(f"{kind}.{group}/{version}")
    return upstream + made, names
