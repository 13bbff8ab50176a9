"""External addresses: ipBlock CIDRs as interval sets, and the atoms they cut.

IPv4 and IPv6 share one integer line: IPv4 addresses are 0 .. 2^32-1 and
IPv6 addresses follow, shifted by 2^32. "The world" is that whole line.

Every ipBlock of an overlay cuts the line at its CIDR edges; the pieces
between cuts are atoms, numbered left to right. No policy can tell two
addresses of one atom apart, so a set of addresses becomes a bitmask of
atoms and reuses the pod machinery (PortMap, bit operations).
"""
from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from kustguard.netpol.bitsets import members
from kustguard.netpol.intervals import intersect, merge, subtract

V6_OFFSET = 1 << 32
SPACE_END = V6_OFFSET + (1 << 128)  # exclusive

Interval = tuple[int, int]  # inclusive


@lru_cache(maxsize=4096)
def parse_cidr(text: str) -> Interval:
    """The addresses of a CIDR on the shared line; ValueError if it is not one.

    Host bits are tolerated (10.1.2.3/8 means 10.0.0.0/8), as most network
    plugins mask them.
    """
    net = ipaddress.ip_network(str(text).strip(), strict=False)
    lo, hi = int(net.network_address), int(net.broadcast_address)
    if net.version == 6:
        lo, hi = lo + V6_OFFSET, hi + V6_OFFSET
    return lo, hi


class IPSet:
    """An immutable set of addresses, as sorted disjoint inclusive intervals."""

    __slots__ = ("intervals",)

    def __init__(self, intervals: Iterable[Interval] = ()) -> None:
        self.intervals: tuple[Interval, ...] = merge(intervals)

    @classmethod
    def parse(cls, cidr: str, excepts: Iterable[str] = ()) -> "IPSet":
        out = cls([parse_cidr(cidr)])
        for hole in excepts:
            out = out - cls([parse_cidr(hole)])
        return out

    def __bool__(self) -> bool:
        return bool(self.intervals)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IPSet) and self.intervals == other.intervals

    def __hash__(self) -> int:
        return hash(self.intervals)

    def __or__(self, other: "IPSet") -> "IPSet":
        return IPSet(self.intervals + other.intervals)

    def __sub__(self, other: "IPSet") -> "IPSet":
        return IPSet(subtract(self.intervals, other.intervals))

    def __and__(self, other: "IPSet") -> "IPSet":
        return IPSet(intersect(self.intervals, other.intervals))

    def covers(self, other: "IPSet") -> bool:
        return not (other - self)

    def cidrs(self) -> list[str]:
        """The fewest CIDRs that spell this set, IPv4 first."""
        out = []
        for lo, hi in self.intervals:
            if lo < V6_OFFSET:
                top = min(hi, V6_OFFSET - 1)
                out += [str(n) for n in ipaddress.summarize_address_range(
                    ipaddress.IPv4Address(lo), ipaddress.IPv4Address(top))]
            if hi >= V6_OFFSET:
                start = max(lo, V6_OFFSET) - V6_OFFSET
                out += [str(n) for n in ipaddress.summarize_address_range(
                    ipaddress.IPv6Address(start), ipaddress.IPv6Address(hi - V6_OFFSET))]
        return out

    def describe(self) -> str:
        """The shortest spelling: 'world', CIDRs, or 'CIDR except CIDRs'."""
        if self == WORLD:
            return "world"
        if not self:
            return "nothing"
        options = [self.cidrs()]
        holes = (WORLD - self).cidrs()
        options.append(["world except " + ", ".join(holes)] + [""] * (len(holes) - 1))
        span = _enclosing_cidr(self.intervals[0][0], self.intervals[-1][1])
        if span is not None and span != self:
            holes = (span - self).cidrs()
            options.append([f"{span.cidrs()[0]} except " + ", ".join(holes)]
                           + [""] * (len(holes) - 1))
        best = min(options, key=len)
        return ", ".join(part for part in best if part)

    def __repr__(self) -> str:
        return f"IPSet({self.describe()})"


WORLD = IPSet([(0, SPACE_END - 1)])
NOWHERE = IPSet()


def _enclosing_cidr(lo: int, hi: int) -> IPSet | None:
    """The smallest single CIDR holding lo..hi, if both are in one family."""
    if (lo < V6_OFFSET) != (hi < V6_OFFSET):
        return None
    base, bits = (0, 32) if lo < V6_OFFSET else (V6_OFFSET, 128)
    a, b = lo - base, hi - base
    host_bits = (a ^ b).bit_length()
    start = (a >> host_bits) << host_bits
    end = start + (1 << host_bits) - 1
    return IPSet([(start + base, end + base)]) if host_bits <= bits else None


class Atoms:
    """The pieces of the address line cut by a collection of IP sets."""

    def __init__(self, sets: Iterable[IPSet]) -> None:
        points = {0, SPACE_END}
        for ipset in sets:
            for lo, hi in ipset.intervals:
                points.add(lo)
                points.add(hi + 1)
        self.starts = sorted(points)  # atom i = [starts[i], starts[i+1] - 1]
        self.count = len(self.starts) - 1
        self.all = (1 << self.count) - 1
        self._cache: dict[IPSet, int] = {}

    def mask(self, ipset: IPSet) -> int:
        """The atoms making up ipset; ipset must be cut by this collection."""
        cached = self._cache.get(ipset)
        if cached is not None:
            return cached
        mask = 0
        for lo, hi in ipset.intervals:
            first = bisect.bisect_left(self.starts, lo)
            last = bisect.bisect_left(self.starts, hi + 1)
            if self.starts[first] != lo or self.starts[last] != hi + 1:
                raise ValueError(f"{ipset} does not follow the atom edges")
            mask |= ((1 << (last - first)) - 1) << first
        self._cache[ipset] = mask
        return mask

    def overlapping(self, ipset: IPSet) -> int:
        """The atoms holding at least one address of ipset (any ipset)."""
        mask = 0
        for lo, hi in ipset.intervals:
            first = bisect.bisect_right(self.starts, lo) - 1
            last = bisect.bisect_right(self.starts, hi)  # one past the atom holding hi
            mask |= ((1 << (last - first)) - 1) << first
        return mask

    def ipset(self, mask: int) -> IPSet:
        return IPSet((self.starts[i], self.starts[i + 1] - 1) for i in members(mask))
