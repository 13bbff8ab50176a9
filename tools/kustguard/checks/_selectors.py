"""Label selectors against pod templates, through an inverted label index.

Built once per overlay Index (and cached with it), so a Service or PDB finds
the pod templates it selects with dict lookups instead of scanning every
workload.
"""
from __future__ import annotations

import weakref
from collections import defaultdict
from typing import Any

from kustguard.checks._containers import pod_labels
from kustguard.index import Index
from kustguard.k8s.labels import label_text, selects
from kustguard.resources import Resource

_CACHE: "weakref.WeakKeyDictionary[Index, PodTemplates]" = weakref.WeakKeyDictionary()


class PodTemplates:
    """Pod templates of an overlay, by namespace and by label pair."""

    def __init__(self, index: Index) -> None:
        self._by_ns: dict[str, list[Resource]] = defaultdict(list)
        self._by_pair: dict[tuple[str, str, str], list[Resource]] = defaultdict(list)
        for workload in index.workloads():
            ns = index.namespace_of(workload)
            self._by_ns[ns].append(workload)
            for key, value in pod_labels(workload).items():
                self._by_pair[(ns, str(key), label_text(value))].append(workload)

    @classmethod
    def of(cls, index: Index) -> "PodTemplates":
        cached = _CACHE.get(index)
        if cached is None:
            cached = _CACHE[index] = cls(index)
        return cached

    def in_namespace(self, namespace: str) -> list[Resource]:
        return self._by_ns.get(namespace, [])

    def select(self, namespace: str, match_labels: dict[str, Any]) -> list[Resource]:
        """Workloads whose pod labels include every pair of a map selector
        (a Service's spec.selector). An empty map selects every template."""
        if not match_labels:
            return list(self.in_namespace(namespace))
        postings = [self._by_pair.get((namespace, str(k), label_text(v)), [])
                    for k, v in match_labels.items()]
        smallest = min(postings, key=len)
        return [w for w in smallest if selects({"matchLabels": match_labels}, pod_labels(w))]

    def select_label_selector(self, namespace: str, selector: dict[str, Any]) -> list[Resource]:
        """Workloads matched by a metav1.LabelSelector (a PDB's spec.selector)."""
        match_labels = selector.get("matchLabels") if isinstance(selector, dict) else None
        candidates = self.select(namespace, match_labels) if isinstance(match_labels, dict) \
            and match_labels else self.in_namespace(namespace)
        return [w for w in candidates if selects(selector, pod_labels(w))]
