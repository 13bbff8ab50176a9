"""Port sets, port maps and address sets: the engine's building blocks."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kustguard.netpol.bitsets import mask_of, members
from kustguard.netpol.ipblocks import WORLD, Atoms, IPSet
from kustguard.netpol.ports import ALL_PORTS, PortMap, PortSet


def test_port_set_algebra_and_spelling():
    a = PortSet({"TCP": [(80, 90)], "UDP": [(53, 53)]})
    b = PortSet({"TCP": [(85, 100)]})
    assert (a | b).describe() == "TCP 80-100; UDP 53"
    assert (a & b).describe() == "TCP 85-90"
    assert (a - b).describe() == "TCP 80-84; UDP 53"
    assert PortSet({"TCP": [(1, 79), (80, 65535)], "UDP": [(1, 65535)],
                    "SCTP": [(1, 65535)]}) == ALL_PORTS
    assert ALL_PORTS.describe() == "all"
    assert PortSet.whole("UDP").describe() == "UDP all"
    assert ALL_PORTS.covers(a) and not a.covers(b)


def test_port_map_union_intersection_and_classes():
    m = PortMap.build([(0b011, PortSet.of("TCP", 80, 90)), (0b110, PortSet.of("TCP", 85, 100))])
    assert m.slots == {"TCP": [(80, 84, 0b011), (85, 90, 0b111), (91, 100, 0b110)]}
    assert m.ports_of(0).describe() == "TCP 80-90"
    assert m.ports_of(2).describe() == "TCP 85-100"
    cut = m.intersect(PortMap.full(0b101, PortSet.of("TCP", 88, 95)))
    assert cut.slots == {"TCP": [(88, 90, 0b101), (91, 95, 0b100)]}
    assert sorted(m.classes(), key=lambda c: c[0]) == [
        (0b001, PortSet.of("TCP", 80, 90)), (0b010, PortSet.of("TCP", 80, 100)),
        (0b100, PortSet.of("TCP", 85, 100))]
    assert m.ports_of_all(0b111).describe() == "TCP 85-90"
    assert m.ports_of_any(0b101).describe() == "TCP 80-100"


def test_bit_members():
    assert members(mask_of([0, 5, 64, 2000])) == [0, 5, 64, 2000]
    assert members(0) == []


def test_address_sets_spell_themselves_shortly():
    assert WORLD.describe() == "world"
    assert IPSet.parse("10.0.0.0/8", ["10.1.0.0/16"]).describe() == "10.0.0.0/8 except 10.1.0.0/16"
    assert (WORLD - IPSet.parse("10.0.0.0/8")).describe() == "world except 10.0.0.0/8"
    assert IPSet.parse("::/0").describe() == "::/0"
    assert (IPSet.parse("0.0.0.0/0") | IPSet.parse("::/0")) == WORLD


def test_atoms_cut_the_line_at_every_edge():
    atoms = Atoms([IPSet.parse("10.0.0.0/8"), IPSet.parse("10.1.0.0/16")])
    assert atoms.count == 5  # below 10/8, 10.0/16, 10.1/16, rest of 10/8, above
    assert atoms.ipset(atoms.mask(IPSet.parse("10.0.0.0/8"))) == IPSet.parse("10.0.0.0/8")
    assert atoms.ipset(atoms.overlapping(IPSet.parse("10.1.2.0/24"))) == IPSet.parse("10.1.0.0/16")
    assert atoms.overlapping(IPSet.parse("192.0.2.1/32")) == 1 << 4


def _slots(draw_ranges):
    """Disjoint sorted slots from a sorted list of cut points and masks."""
    cuts, masks = draw_ranges
    cuts = sorted(set(cuts))
    return [(lo, hi - 1, m) for (lo, hi), m in zip(zip(cuts, cuts[1:]), masks) if m]


slots_st = st.tuples(st.lists(st.integers(1, 60), min_size=2, max_size=40),
                     st.lists(st.integers(0, 7), min_size=40, max_size=40)).map(_slots)


@given(slots_st, slots_st)
def test_intersection_is_the_same_for_short_and_long_lists(a, b):
    got = PortMap({"TCP": a}).intersect(PortMap({"TCP": b}))
    for port in range(1, 61):
        want = (next((m for lo, hi, m in a if lo <= port <= hi), 0)
                & next((m for lo, hi, m in b if lo <= port <= hi), 0))
        have = next((m for lo, hi, m in got.slots.get("TCP", []) if lo <= port <= hi), 0)
        assert have == want, port
