"""Sets of small integers as Python ints, one bit per member.

Pod groups and IP atoms are numbered; a set of them is an int. Union,
intersection and difference then run in C over machine words, which is what
keeps the engine fast at thousands of pods and policies.
"""
from __future__ import annotations


def mask_of(indices) -> int:
    mask = 0
    for i in indices:
        mask |= 1 << i
    return mask


def first_n(n: int) -> int:
    """The set {0, ..., n-1}."""
    return (1 << n) - 1


def members(mask: int) -> list[int]:
    """The members of mask, ascending."""
    if not mask:
        return []
    # Reading the binary string is far faster than peeling bits one by one
    # with big-integer arithmetic.
    digits = bin(mask)[:1:-1]
    out = []
    find = digits.find
    i = find("1")
    while i >= 0:
        out.append(i)
        i = find("1", i + 1)
    return out


def count(mask: int) -> int:
    return mask.bit_count()
