"""One index over an overlay's rendered objects, shared by every check."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from kustguard.k8s.workloads import template_kind
from kustguard.resources import CLUSTER_SCOPED_KINDS, Resource, is_custom_group


class Index:
    def __init__(self, resources: Iterable[Resource]) -> None:
        self.resources: list[Resource] = list(resources)
        self.cluster_scoped = set(CLUSTER_SCOPED_KINDS)
        # Custom kinds a CRD of the stream declares namespaced.
        self.namespaced_custom: set[str] = set()
        for crd in self.resources:
            if crd.kind != "CustomResourceDefinition":
                continue
            kind = crd.get("spec", "names", "kind")
            if not isinstance(kind, str):
                continue
            if crd.get("spec", "scope") == "Cluster":
                self.cluster_scoped.add(kind)
            else:
                self.namespaced_custom.add(kind)
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
        Objects of a namespaced kind with none land in `default`, as kubectl
        would put them. A custom kind whose scope is unknown (no CRD in the
        stream) and that names no namespace is shown without one, never in
        a `default` it may not live in."""
        if res.kind in self.cluster_scoped:
            return ""
        if res.namespace:
            return res.namespace
        if is_custom_group(res.group) and res.kind not in self.namespaced_custom:
            return ""
        return "default"

    def of_kind(self, *kinds: str) -> Iterator[Resource]:
        for kind in kinds:
            yield from self._by_kind.get(kind, ())

    def services(self) -> Iterator[Resource]:
        """Core Services (v1), not other groups' kinds named Service (Knative's)."""
        return (r for r in self.of_kind("Service") if r.api_version == "v1")

    def get(self, kind: str, namespace: str, name: str) -> Resource | None:
        return self._by_key.get((kind, namespace, name))

    def workloads(self, long_running_only: bool = False) -> Iterator[Resource]:
        """Objects with a pod template (k8s.workloads' table), in stream order."""
        for res in self.resources:
            row = template_kind(res)
            if row is not None and (row.long_running or not long_running_only):
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
