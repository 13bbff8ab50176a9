"""What Secrets and ConfigMaps an overlay provides, and with which keys.

A Secret's keys come from data + stringData (Secrets produced in shape-only
validation by the SOPS plugin carry their real keys). Some Secrets get their
keys elsewhere: a ServiceAccount token Secret is filled in by the cluster, and
a few well-known custom resources create Secrets (cert-manager Certificate,
SealedSecret, ExternalSecret). ``keys is None`` means "exists, keys unknown":
a reference to it is trusted for any key.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

from kustguard.index import Index
from kustguard.resources import Resource

SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token"
CERTIFICATE_KEYS = frozenset({"tls.crt", "tls.key", "ca.crt"})

_CACHE: "weakref.WeakKeyDictionary[Index, ConfigData]" = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Provided:
    resource: Resource           # the Secret/ConfigMap, or the object that creates it
    keys: frozenset[str] | None  # None: exists, keys not knowable from the manifests


def _mapping_keys(*maps: object) -> frozenset[str]:
    keys: set[str] = set()
    for m in maps:
        if isinstance(m, dict):
            keys.update(str(k) for k in m)
    return frozenset(keys)


class ConfigData:
    def __init__(self, index: Index) -> None:
        self._secrets: dict[tuple[str, str], Provided] = {}
        self._configmaps: dict[tuple[str, str], Provided] = {}
        for res in index.of_kind("ConfigMap"):
            self._configmaps[(index.namespace_of(res), res.name)] = Provided(
                res, _mapping_keys(res.get("data"), res.get("binaryData")))
        # Producers first, so a rendered Secret of the same name wins.
        for res in index.of_kind("Certificate"):
            if res.group == "cert-manager.io" and res.get("spec", "secretName"):
                self._secrets[(index.namespace_of(res), str(res.get("spec", "secretName")))] = Provided(
                    res, CERTIFICATE_KEYS)
        for res in index.of_kind("SealedSecret"):
            name = res.get("spec", "template", "metadata", "name") or res.name
            self._secrets[(index.namespace_of(res), str(name))] = Provided(
                res, _mapping_keys(res.get("spec", "encryptedData"), res.get("spec", "template", "data")))
        for res in index.of_kind("ExternalSecret"):
            name = res.get("spec", "target", "name") or res.name
            keys: frozenset[str] | None = None
            data = res.get("spec", "data")
            if not res.get("spec", "dataFrom") and not res.get("spec", "target", "template") \
                    and isinstance(data, list):
                keys = frozenset(str(d.get("secretKey")) for d in data if isinstance(d, dict))
            self._secrets[(index.namespace_of(res), str(name))] = Provided(res, keys)
        for res in index.of_kind("Secret"):
            keys = None if res.get("type") == SERVICE_ACCOUNT_TOKEN else _mapping_keys(
                res.get("data"), res.get("stringData"))
            self._secrets[(index.namespace_of(res), res.name)] = Provided(res, keys)

    @classmethod
    def of(cls, index: Index) -> "ConfigData":
        cached = _CACHE.get(index)
        if cached is None:
            cached = _CACHE[index] = cls(index)
        return cached

    def secret(self, namespace: str, name: str) -> Provided | None:
        return self._secrets.get((namespace, name))

    def configmap(self, namespace: str, name: str) -> Provided | None:
        return self._configmaps.get((namespace, name))

    def lookup(self, kind: str, namespace: str, name: str) -> Provided | None:
        return self.secret(namespace, name) if kind == "Secret" else self.configmap(namespace, name)
