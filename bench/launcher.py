"""Runs the measured commands for bench/measure.py, from a small process.

Peak memory comes from `wait4`'s ru_maxrss, and a child's ru_maxrss starts
at the resident size of the process it was forked from. Forked from the
harness (hundreds of MB once corpora are generated) every command would
look that big; forked from this small process, the floor is a bare Python's
few MB. Protocol: one JSON request per line on stdin, one JSON result per
line on stdout.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time


def run(req: dict) -> dict:
    out = open(req.get("stdout") or os.devnull, "wb")
    err = open(req.get("stderr") or os.devnull, "wb")
    try:
        start = time.monotonic()
        proc = subprocess.Popen(req["argv"], cwd=req.get("cwd"), env=req.get("env"), stdout=out,
                                stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(req.get("timeout") or 3600, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        out.close()
        err.close()
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "rc": proc.returncode, "timed_out": timed_out.is_set()}


def main() -> None:
    for line in sys.stdin:
        try:
            result = run(json.loads(line))
        except Exception as exc:  # reported, not fatal: the harness decides
            result = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
