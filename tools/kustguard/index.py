"""One index over an overlay's rendered objects, shared by every check."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from kustguard.resources import CLUSTER_SCOPED_KINDS, Resource

WORKLOAD_KINDS = frozenset({
    "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod",
    "ReplicationController",
})
# Workloads whose containers are expected to keep running (probes apply).
LONG_RUNNING_KINDS = frozenset({
    "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod", "ReplicationController",
})


class Index:
    def __init__(self, resources: Iterable[Resource]) -> None:
        self.resources: list[Resource] = list(resources)
        self.cluster_scoped = set(CLUSTER_SCOPED_KINDS)
        for crd in self.resources:
            if crd.kind == "CustomResourceDefinition" and crd.get("spec", "scope") == "Cluster":
                kind = crd.get("spec", "names", "kind")
                if isinstance(kind, str):
                    self.cluster_scoped.add(kind)
        self._by_kind: dict[str, list[Resource]] = defaultdict(list)
        self._by_key: dict[tuple[str, str, str], Resource] = {}
        for res in self.resources:
            self._by_kind[res.kind].append(res)
            self._by_key[(res.kind, self.namespace_of(res), res.name)] = res

    def without(self, left_out: Iterable[Resource]) -> "Index":
        """The same objects but those left out (compared by identity)."""
        skip = {id(r) for r in left_out}
        return Index(r for r in self.resources if id(r) not in skip)

    def namespace_of(self, res: Resource) -> str:
        """The namespace an object lands in; '' for cluster-scoped kinds.
        Objects with none land in `default`, as kubectl would put them."""
        if res.kind in self.cluster_scoped:
            return ""
        return res.namespace or "default"

    def of_kind(self, *kinds: str) -> Iterator[Resource]:
        for kind in kinds:
            yield from self._by_kind.get(kind, ())

    def get(self, kind: str, namespace: str, name: str) -> Resource | None:
        return self._by_key.get((kind, namespace, name))

    def workloads(self, long_running_only: bool = False) -> Iterator[Resource]:
        kinds = LONG_RUNNING_KINDS if long_running_only else WORKLOAD_KINDS
        for res in self.resources:
            if res.kind in kinds:
                yield res

    def namespaces(self) -> dict[str, Resource | None]:
        """Every namespace used in the overlay, with its Namespace object if rendered."""
        names: dict[str, Resource | None] = {}
        for res in self.resources:
            ns = self.namespace_of(res)
            if ns:
                names.setdefault(ns, None)
        for ns in self.of_kind("Namespace"):
            names[ns.name] = ns
        return names

    def namespace_labels(self, namespace: str) -> dict[str, str]:
        """Labels of a namespace, with the implicit kubernetes.io/metadata.name."""
        ns = self.get("Namespace", "", namespace)
        labels = dict(ns.labels) if ns else {}
        labels["kubernetes.io/metadata.name"] = namespace
        return labels


def pod_template(res: Resource) -> dict | None:
    """The pod spec's parent (metadata + spec) of a workload, or None."""
    if res.kind == "Pod":
        return res.obj
    if res.kind == "CronJob":
        return res.get("spec", "jobTemplate", "spec", "template")
    return res.get("spec", "template")


def pod_template_path(res: Resource) -> tuple[str, ...]:
    if res.kind == "Pod":
        return ()
    if res.kind == "CronJob":
        return ("spec", "jobTemplate", "spec", "template")
    return ("spec", "template")
