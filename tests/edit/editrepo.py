"""Shared material of the edit tests: the repositories they edit, golden files, git."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"

TODO_BASE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: todo
  labels: {app: todo}
spec:
  replicas: 2
  selector:
    matchLabels: {app: todo}
  template:
    metadata:
      labels: {app: todo}
    spec:
      initContainers:
        - name: wait
          image: busybox
          command: [sh, -c, "true"]
      containers:
        - name: todo
          image: todo
          ports: [{containerPort: 8080}]
"""

K3D_TODO = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: todo
resources:
  - ../../../base/todo
images:
  - name: todo
    newName: 127.0.0.1:30500/todo
    newTag: 1.2.3
  - name: busybox
    newTag: 1.37.0
  - name: mysql
    newTag: 8.4.4
"""


def golden(rel: str) -> str:
    return (GOLDEN / rel).read_text(encoding="utf-8")


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, env=env,
                          check=True)
    return proc.stdout


def snapshot_tree(root: Path) -> dict[str, bytes]:
    """Every file under root (no .git, no caches) with its bytes."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith((".git/", ".cache/")):
            out[rel] = path.read_bytes()
    return out

WEB_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27.3
          args: ["--peer=$(WEB_SERVICE)"]
"""

WEB_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""

DEV_FILES = {
    "overlays/dev/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: dev\n",
    "overlays/dev/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n",
    "overlays/dev/paused.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  paused: true\n",
}


def fix_repo_files(kustomization: str) -> dict[str, str]:
    return {
        "base/web/kustomization.yaml": "resources: [deployment.yaml, service.yaml]\n",
        "base/web/deployment.yaml": WEB_DEPLOYMENT,
        "base/web/service.yaml": WEB_SERVICE,
        "overlays/dev/kustomization.yaml": kustomization,
        **DEV_FILES,
    }
