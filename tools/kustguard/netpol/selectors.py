"""Fast matching of label selectors over many objects (k8s.labels parses them).

A LabelIndex maps every (key, value) and every key to the bitmask of the
objects carrying it, so a selector is evaluated with a few big-integer ANDs
instead of a loop over objects.
"""
from __future__ import annotations

from typing import Any

from kustguard.k8s.labels import Selector, label_text
from kustguard.netpol.bitsets import first_n


class LabelIndex:
    """Bitmasks of labelled objects (numbered in the given order) per label."""

    def __init__(self, label_maps: list[dict[str, Any]]) -> None:
        self.all = first_n(len(label_maps))
        self._pairs: dict[tuple[str, str], int] = {}
        self._keys: dict[str, int] = {}
        for i, labels in enumerate(label_maps):
            bit = 1 << i
            for key, value in labels.items():
                key = str(key)
                pair = (key, label_text(value))
                self._pairs[pair] = self._pairs.get(pair, 0) | bit
                self._keys[key] = self._keys.get(key, 0) | bit
        self._cache: dict[Selector, int] = {}

    def select(self, selector: Selector) -> int:
        cached = self._cache.get(selector)
        if cached is not None:
            return cached
        mask = self.all
        for key, op, values in selector.requirements:
            if op in ("In", "NotIn"):
                hit = 0
                for value in values:
                    hit |= self._pairs.get((key, value), 0)
                # NotIn also matches objects without the key, as the API does.
                mask &= hit if op == "In" else self.all & ~hit
            elif op == "Exists":
                mask &= self._keys.get(key, 0)
            else:
                mask &= self.all & ~self._keys.get(key, 0)
            if not mask:
                break
        self._cache[selector] = mask
        return mask
