"""Port sets as ranges per protocol, and port ranges mapped to bitmasks.

A NetworkPolicy speaks of ports as single numbers, ranges (`endPort`) or
"every port"; keeping them as sorted, disjoint, inclusive ranges per
protocol keeps every set operation proportional to the number of ranges,
never to the 65,535 ports.

`PortMap` is the engine's workhorse: for each protocol, disjoint port ranges
each mapped to a bitmask of endpoints (pod groups, or IP atoms). "Which
sources may reach this pod on which ports" is one PortMap; intersecting the
ingress map with the egress map of a destination is a merge of two sorted
lists with one big-integer AND per overlap.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator

from kustguard.netpol.intervals import intersect, merge, subtract

PROTOCOLS = ("TCP", "UDP", "SCTP")
MIN_PORT = 1
MAX_PORT = 65535

Range = tuple[int, int]  # inclusive


class PortSet:
    """An immutable set of (protocol, port) pairs, as ranges per protocol."""

    __slots__ = ("_by_proto", "_hash")

    def __init__(self, by_proto: dict[str, Iterable[Range]] | None = None) -> None:
        clean = {}
        for proto in PROTOCOLS:
            ranges = merge((by_proto or {}).get(proto, ()))
            if ranges:
                clean[proto] = ranges
        self._by_proto: dict[str, tuple[Range, ...]] = clean
        self._hash: int | None = None

    @classmethod
    def of(cls, proto: str, lo: int, hi: int | None = None) -> "PortSet":
        return cls({proto: [(lo, lo if hi is None else hi)]})

    @classmethod
    def whole(cls, proto: str) -> "PortSet":
        return cls({proto: [(MIN_PORT, MAX_PORT)]})

    def ranges(self, proto: str) -> tuple[Range, ...]:
        return self._by_proto.get(proto, ())

    def items(self) -> Iterator[tuple[str, int, int]]:
        for proto in PROTOCOLS:
            for lo, hi in self._by_proto.get(proto, ()):
                yield proto, lo, hi

    def __bool__(self) -> bool:
        return bool(self._by_proto)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PortSet) and self._by_proto == other._by_proto

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(sorted(self._by_proto.items())))
        return self._hash

    def __or__(self, other: "PortSet") -> "PortSet":
        if not other:
            return self
        if not self:
            return other
        return PortSet({p: self.ranges(p) + other.ranges(p) for p in PROTOCOLS})

    def __and__(self, other: "PortSet") -> "PortSet":
        return PortSet({p: intersect(self.ranges(p), other.ranges(p)) for p in PROTOCOLS})

    def __sub__(self, other: "PortSet") -> "PortSet":
        return PortSet({p: subtract(self.ranges(p), other.ranges(p)) for p in PROTOCOLS})

    def covers(self, other: "PortSet") -> bool:
        return not (other - self)

    def contains(self, proto: str, port: int) -> bool:
        return any(lo <= port <= hi for lo, hi in self.ranges(proto))

    def __repr__(self) -> str:
        return f"PortSet({self.describe()})"

    def describe(self) -> str:
        """'all', or e.g. 'TCP 80, 8000-8080; UDP 53'."""
        if self == ALL_PORTS:
            return "all"
        parts = []
        for proto in PROTOCOLS:
            ranges = self.ranges(proto)
            if not ranges:
                continue
            if ranges == ((MIN_PORT, MAX_PORT),):
                parts.append(f"{proto} all")
            else:
                parts.append(proto + " " + ", ".join(
                    str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges))
        return "; ".join(parts) if parts else "none"


ALL_PORTS = PortSet({p: [(MIN_PORT, MAX_PORT)] for p in PROTOCOLS})
NO_PORTS = PortSet()


# (lo, hi, mask): a port range mapped to the endpoints it holds for.
Slot = tuple[int, int, int]


def _union_slots(slots: list[Slot]) -> list[Slot]:
    """Disjoint, sorted slots whose masks OR together every input slot covering them."""
    by_range: dict[Range, int] = {}
    for lo, hi, mask in slots:
        if mask:
            by_range[(lo, hi)] = by_range.get((lo, hi), 0) | mask
    if len(by_range) <= 1:
        return [(lo, hi, mask) for (lo, hi), mask in by_range.items()]
    points = sorted({lo for lo, _ in by_range} | {hi + 1 for _, hi in by_range})
    spans = sorted(by_range.items())
    out: list[Slot] = []
    for start, stop in zip(points, points[1:]):
        mask = 0
        for (lo, hi), m in spans:
            if lo > start:
                break  # sorted by lo: no later range covers start
            if hi >= stop - 1:
                mask |= m
        if mask:
            _append_slot(out, start, stop - 1, mask)
    return out


def _append_slot(out: list[Slot], lo: int, hi: int, mask: int) -> None:
    if out and out[-1][1] == lo - 1 and out[-1][2] == mask:
        out[-1] = (out[-1][0], hi, mask)
    else:
        out.append((lo, hi, mask))


def _intersect_slots(a: list[Slot], b: list[Slot]) -> list[Slot]:
    if len(a) * 8 < len(b):
        return _intersect_few(a, b)
    if len(b) * 8 < len(a):
        return _intersect_few(b, a)
    out: list[Slot] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            mask = a[i][2] & b[j][2]
            if mask:
                _append_slot(out, lo, hi, mask)
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _intersect_few(few: list[Slot], many: list[Slot]) -> list[Slot]:
    """The same as the merge, for a short list against a long one: each short
    slot looks up its overlaps by bisection instead of walking the long list."""
    his = [hi for _, hi, _ in many]
    out: list[Slot] = []
    for lo, hi, mask in few:
        j = bisect.bisect_left(his, lo)
        while j < len(many) and many[j][0] <= hi:
            mlo, mhi, mmask = many[j]
            both = mask & mmask
            if both:
                _append_slot(out, max(lo, mlo), min(hi, mhi), both)
            j += 1
    return out


class PortMap:
    """For each protocol, disjoint port ranges, each mapped to a non-zero bitmask.

    Reading: bit i set on range R of protocol P means "endpoint i is allowed
    on R/P". Immutable once built.
    """

    __slots__ = ("slots",)

    def __init__(self, slots: dict[str, list[Slot]]) -> None:
        self.slots = {p: s for p, s in slots.items() if s}

    @classmethod
    def build(cls, pieces: Iterable[tuple[int, PortSet]]) -> "PortMap":
        """The union of `mask × ports` over every piece."""
        raw: dict[str, list[Slot]] = {p: [] for p in PROTOCOLS}
        for mask, ports in pieces:
            if not mask:
                continue
            for proto, lo, hi in ports.items():
                raw[proto].append((lo, hi, mask))
        return cls({p: _union_slots(s) for p, s in raw.items()})

    @classmethod
    def full(cls, mask: int, ports: PortSet = ALL_PORTS) -> "PortMap":
        return cls.build([(mask, ports)])

    def __bool__(self) -> bool:
        return bool(self.slots)

    def intersect(self, other: "PortMap") -> "PortMap":
        return PortMap({p: _intersect_slots(s, other.slots[p])
                        for p, s in self.slots.items() if p in other.slots})

    def restrict(self, mask: int) -> "PortMap":
        """Only the endpoints in mask."""
        out: dict[str, list[Slot]] = {}
        for proto, slots in self.slots.items():
            kept: list[Slot] = []
            for lo, hi, m in slots:
                if m & mask:
                    _append_slot(kept, lo, hi, m & mask)
            out[proto] = kept
        return PortMap(out)

    def members(self) -> int:
        """Every endpoint allowed on at least one port."""
        mask = 0
        for slots in self.slots.values():
            for _, _, m in slots:
                mask |= m
        return mask

    def ports_of(self, bit: int) -> PortSet:
        """The ports endpoint `1 << bit` is allowed on."""
        probe = 1 << bit
        return PortSet({proto: [(lo, hi) for lo, hi, m in slots if m & probe]
                        for proto, slots in self.slots.items()})

    def ports_of_any(self, mask: int) -> PortSet:
        """The ports at least one endpoint of mask is allowed on."""
        return PortSet({proto: [(lo, hi) for lo, hi, m in slots if m & mask]
                        for proto, slots in self.slots.items()})

    def ports_of_all(self, mask: int) -> PortSet:
        """The ports every endpoint of mask is allowed on."""
        return PortSet({proto: [(lo, hi) for lo, hi, m in slots if m & mask == mask]
                        for proto, slots in self.slots.items()})

    def classes(self) -> list[tuple[int, PortSet]]:
        """Endpoints grouped by identical allowed ports: [(mask, ports)], masks disjoint."""
        parts: list[tuple[int, list[tuple[str, int, int]]]] = [(self.members(), [])]
        for proto, slots in self.slots.items():
            for lo, hi, m in slots:
                split = []
                for part, ranges in parts:
                    inside = part & m
                    if inside:
                        split.append((inside, ranges + [(proto, lo, hi)]))
                    outside = part & ~m
                    if outside:
                        split.append((outside, ranges))
                parts = split
        out = []
        for part, ranges in parts:
            if not part:
                continue
            by_proto: dict[str, list[Range]] = {}
            for proto, lo, hi in ranges:
                by_proto.setdefault(proto, []).append((lo, hi))
            out.append((part, PortSet(by_proto)))
        return out
