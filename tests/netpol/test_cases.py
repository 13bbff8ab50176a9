"""The engine against hand-written cases (tests/netpol/cases/*.yaml).

Each case lists every allowed connection; the engine's full result must
match it exactly, no more and no less.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kustguard.index import Index
from kustguard.netpol.engine import Reachability
from kustguard.netpol.model import NetworkModel
from kustguard.resources import parse_stream

from .casefile import CASES, actual, describe, expectations, manifests

CASE_FILES = sorted(CASES.glob("*.yaml"))


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def test_the_table_is_big_enough():
    assert len(CASE_FILES) >= 40


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_case(path: Path):
    case = load(path)
    assert case.get("description"), "every case says what it pins down"
    index = Index(parse_stream(manifests(case), "case", path.name))
    got = actual(Reachability(NetworkModel(index)))
    want = expectations(case.get("expect") or [])
    assert describe(got) == describe(want)
    assert got == want
