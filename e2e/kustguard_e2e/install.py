"""What the Argo CD processes take from the project's rendered ``argocd/install``.

In a cluster, Argo CD's pods get their settings from the install: the
ConfigMaps (``argocd-cm``, ``argocd-cmd-params-cm``, ``argocd-rbac-cm``...),
environment variables mapped from ConfigMap keys, and, for the kustguard
plugin sidecar, its ``plugin.yaml`` (a ConfigMap mounted with ``subPath``)
and its environment. The harness reads each of these from the same
rendering, so the processes run the configuration a cluster would.

Container paths are translated: an environment value under one of the
sidecar's volume mounts points into a local folder standing in for that
volume (a Secret volume holds the Secret's keys as files, an emptyDir is an
empty folder).
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PLUGIN_CONTAINER = "kustguard-cmp"
PLUGIN_CONFIG_PATH = "/home/argocd/cmp-server/config/plugin.yaml"
PLUGIN_SOCKETS_PATH = "/home/argocd/cmp-server/plugins"


@dataclass
class RenderedInstall:
    objects: list[dict[str, Any]]

    def _one(self, kind: str, name: str) -> dict:
        found = [o for o in self.objects
                 if o["kind"] == kind and o["metadata"]["name"] == name]
        assert len(found) == 1, f"the rendered install has {len(found)} {kind} {name}"
        return found[0]

    def _container(self, workload: str, container: str) -> dict:
        kind = "StatefulSet" if workload == "argocd-application-controller" else "Deployment"
        pod = self._one(kind, workload)["spec"]["template"]["spec"]
        found = [c for c in pod["containers"] if c["name"] == container]
        assert found, f"{workload} has no container {container}"
        return found[0]

    def _volumes(self, workload: str) -> dict[str, dict]:
        pod = self._one("Deployment", workload)["spec"]["template"]["spec"]
        return {v["name"]: v for v in pod.get("volumes", [])}

    def config_maps(self) -> list[dict]:
        """Every ConfigMap of the install (Argo CD's settings, the plugin's)."""
        return [o for o in self.objects if o["kind"] == "ConfigMap"]

    def config_map_data(self) -> dict[str, dict[str, str]]:
        return {o["metadata"]["name"]: dict(o.get("data") or {}) for o in self.config_maps()}

    def env_from_config_maps(self, workload: str, container: str) -> dict[str, str]:
        """The variables the container maps from ConfigMap keys, with the
        rendered values (a key the ConfigMap does not set is left unset, as
        the optional references in the install say)."""
        data = self.config_map_data()
        out: dict[str, str] = {}
        for env in self._container(workload, container).get("env") or []:
            ref = (env.get("valueFrom") or {}).get("configMapKeyRef")
            if ref and ref.get("key") in data.get(ref.get("name"), {}):
                out[env["name"]] = data[ref["name"]][ref["key"]]
        return out

    def plugin_config(self) -> str:
        """The sidecar's plugin.yaml: the ConfigMap mounted at its config path."""
        sidecar = self._container("argocd-repo-server", PLUGIN_CONTAINER)
        mount = next(m for m in sidecar["volumeMounts"] if m["mountPath"] == PLUGIN_CONFIG_PATH)
        volume = self._volumes("argocd-repo-server")[mount["name"]]
        config_map = self._one("ConfigMap", volume["configMap"]["name"])
        return config_map["data"][mount.get("subPath") or "plugin.yaml"]

    def plugin_env(self, mounts_root: Path, secrets: dict[str, dict[str, bytes]],
                   sockets: Path) -> dict[str, str]:
        """The sidecar's literal environment, container paths made local.

        Each volume mount of the sidecar gets a folder under ``mounts_root``
        (the plugins mount: ``sockets``); a Secret volume is filled from
        ``secrets`` (name -> key -> bytes), with its ``items``.
        """
        sidecar = self._container("argocd-repo-server", PLUGIN_CONTAINER)
        volumes = self._volumes("argocd-repo-server")
        local: dict[str, Path] = {}
        for mount in sidecar.get("volumeMounts", []):
            path = mount["mountPath"]
            if mount.get("subPath"):
                continue  # a single file (the plugin config): written by the harness
            if path == PLUGIN_SOCKETS_PATH:
                local[path] = sockets
                continue
            folder = mounts_root / path.strip("/")
            folder.mkdir(parents=True, exist_ok=True)
            secret = volumes.get(mount["name"], {}).get("secret")
            if secret:
                data = secrets.get(secret["secretName"])
                assert data is not None, f"no Secret {secret['secretName']} for the sidecar"
                items = secret.get("items") or [{"key": k, "path": k} for k in data]
                for item in items:
                    (folder / item["path"]).write_bytes(data[item["key"]])
            local[path] = folder
        out: dict[str, str] = {}
        for env in sidecar.get("env") or []:
            if "value" not in env:
                continue
            value = env["value"]
            for path in sorted(local, key=len, reverse=True):
                if value == path or value.startswith(path.rstrip("/") + "/"):
                    value = str(local[path]) + value[len(path.rstrip("/")):]
                    break
            out[env["name"]] = value
        return out


def secret_data(secret: dict) -> dict[str, bytes]:
    values = {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}
    values.update({k: v.encode() for k, v in (secret.get("stringData") or {}).items()})
    return values
