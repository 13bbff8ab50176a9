"""The benchmark harness at its tiny size, so it never rots.

Runs every section of bench/run.py once on tiny corpora, without installing
anything (peers that `make bench` installs may be missing here: their rows
must then say so). Asserts that the results table has every row and that
every identical-results check that could run passed. No timing is judged.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

GOAL_ROWS = (
    "Schema validation, 10k resources (files) vs kubeconform",
    "Schema validation, 50k resources (files) vs kubeconform",
    "Schema validation, 10k resources (one stream) vs kubeconform",
    "Schema validation, 50k resources (one stream) vs kubeconform",
    "Full validation, 10k vs kube-linter",
    "Full validation, 10k vs Checkov",
    "Whole repository, warm cache",
    "Whole repository, cold cache vs the peers' pipeline",
    "Pre-commit validate-affected hook, one-file change",
    "Reachability, 2,000 × 2,000 vs netpol-analyzer",
    "Peak memory, full validation of 50k",
    "One file of 5,000 objects with findings, full validation vs kubeconform",
    "One file, growth exponent",
)
SECTIONS = (
    "## Machine", "## Tools", "## Goals", "## 1. Schema validation alone",
    "## 2. Full validation", "## 2b. One big file", "## 3. The whole repository", "## 4. Pre-commit",
    "## 5. Reachability", "## 6. SOPS decryption", "## 7. Scaling", "## Where our time goes",
    "## What the recommended fixes would buy",
    "## Method",
)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> tuple[str, dict]:
    work = tmp_path_factory.mktemp("bench")
    out = work / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--size", "tiny", "--no-install",
         "--work", str(work), "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return out.read_text(), json.loads((work / "results.json").read_text())


def test_every_section_and_goal_row(tiny_run):
    text, _ = tiny_run
    for heading in SECTIONS:
        assert heading in text, heading
    goals = text.split("## Goals", 1)[1].split("\n## ", 1)[0]
    for row in GOAL_ROWS:
        assert row in goals, row


def test_every_size_has_its_rows(tiny_run):
    text, results = tiny_run
    sizes = results["settings"]["sizes"]
    for n in sizes:
        for form in ("tree", "stream"):
            assert f"{form}/{n}" in results["schema"]
        assert f"tree/{n}" in results["full"]
    for n in results["settings"]["policies"]:
        assert f"{n}x{n}" in results["reach"]
    assert "whole" in results["repo"] and "one-file" in results["hook"]
    assert results["sops"] and results["profile"]
    assert not results.get("errors")


def test_ours_ran_everywhere(tiny_run):
    _, results = tiny_run
    rows = [*results["schema"].values(), *results["full"].values()]
    assert all(row["kustguard"]["samples"] for row in rows)
    assert results["repo"]["whole"]["kustguard cold"]["samples"]
    assert results["repo"]["whole"]["kustguard warm"]["samples"]
    assert results["hook"]["one-file"]["validate-affected"]["samples"]
    assert all(row["kustguard explain"]["samples"] for row in results["reach"].values())


def test_identical_results_checks_passed(tiny_run):
    _, results = tiny_run
    checked = 0
    for row in results["schema"].values():
        if row.get("check"):  # kubeconform is installed by `make setup` where Go is
            assert row["check"]["identical"], row["check"]
            checked += 1
    for row in results["reach"].values():
        if row.get("check"):  # netpol-analyzer only where `make bench` installed it
            assert row["check"]["identical"], row["check"]
            checked += 1
    for row in results["sops"].values():
        assert row["check"]["identical"], row["check"]
        checked += 1
    assert checked


def test_missing_peers_are_named(tiny_run):
    text, results = tiny_run
    for name, peer in results["peers"].items():
        if not peer["ok"]:
            assert f"| {name} |" in text and "NOT INSTALLED" in text
