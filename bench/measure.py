"""Run commands and measure them: wall time, CPU time and peak memory.

Each command runs as a child process in its own process group, forked by a
small helper process (launcher.py, so the harness's own size does not leak
into the child's peak memory); `os.wait4` returns its resource usage, which on Linux includes every descendant it
waited for (a shell pipeline's stages, kustomize under kustguard). So:

- wall: time from start to exit (monotonic clock);
- cpu: user + system time of the command and its waited-for descendants;
- rss: the largest peak resident set of any single process of the command
  (ru_maxrss is a maximum, not a sum).

`alternate` runs the sides of a comparison in turns within one run (the
order rotates every round), so a change in machine load hits both sides.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    rc: int
    timed_out: bool = False


@dataclass
class Command:
    """One side of a comparison: argv (or a shell string), where and how it runs."""

    argv: Sequence[str] | str
    cwd: Path | None = None
    env: dict[str, str] | None = None
    ok_codes: tuple[int, ...] = (0,)
    stdout: Path | None = None  # kept for checking results; otherwise discarded
    timeout: float = 1800.0
    before: Callable[[], None] | None = None  # runs untimed before each sample


_LAUNCHER: subprocess.Popen | None = None


def start_launcher() -> None:
    """Start the small process that forks every measured command (launcher.py).

    Call it early, while the harness is small; run_once starts it otherwise."""
    global _LAUNCHER
    if _LAUNCHER is None or _LAUNCHER.poll() is not None:
        _LAUNCHER = subprocess.Popen([sys.executable, str(Path(__file__).with_name("launcher.py"))],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)


def run_once(cmd: Command) -> Sample:
    if cmd.before is not None:
        cmd.before()
    start_launcher()
    assert _LAUNCHER is not None and _LAUNCHER.stdin and _LAUNCHER.stdout
    shell = isinstance(cmd.argv, str)
    request = {
        "argv": ["bash", "-c", cmd.argv] if shell else [str(a) for a in cmd.argv],
        "cwd": str(cmd.cwd) if cmd.cwd else None,
        "env": cmd.env,
        "stdout": str(cmd.stdout) if cmd.stdout else None,
        "stderr": str(cmd.stdout) + ".err" if cmd.stdout else None,
        "timeout": cmd.timeout,
    }
    _LAUNCHER.stdin.write(json.dumps(request) + "\n")
    _LAUNCHER.stdin.flush()
    result = json.loads(_LAUNCHER.stdout.readline())
    if "error" in result:
        raise CommandFailed(f"cannot run {request['argv'][0]}: {result['error']}")
    return Sample(**result)


class CommandFailed(RuntimeError):
    pass


def check(name: str, cmd: Command, sample: Sample) -> None:
    if sample.timed_out:
        raise CommandFailed(f"{name}: timed out after {cmd.timeout:.0f} s")
    if sample.rc not in cmd.ok_codes:
        detail = ""
        if cmd.stdout:
            err = cmd.stdout.with_suffix(cmd.stdout.suffix + ".err")
            if err.is_file():
                lines = err.read_text(errors="replace").strip().splitlines()
                detail = f": {lines[-1][:300]}" if lines else ""
        raise CommandFailed(f"{name}: exit code {sample.rc}{detail}")


@dataclass
class Stats:
    samples: list[Sample] = field(default_factory=list)
    error: str = ""

    def _values(self, attr: str) -> list[float]:
        return [getattr(s, attr) for s in self.samples]

    def median(self, attr: str = "wall") -> float:
        return statistics.median(self._values(attr))

    def low(self, attr: str = "wall") -> float:
        return min(self._values(attr))

    def high(self, attr: str = "wall") -> float:
        return max(self._values(attr))

    def to_dict(self) -> dict:
        if not self.samples:
            return {"samples": [], "error": self.error}
        return {
            "samples": [asdict(s) for s in self.samples],
            "wall": {"median": self.median(), "min": self.low(), "max": self.high()},
            "cpu": {"median": self.median("cpu"), "min": self.low("cpu"), "max": self.high("cpu")},
            "rss_mb": {"median": self.median("rss_mb"), "max": self.high("rss_mb")},
        }


def alternate(sides: dict[str, Command], repeats: int, *, warmup: bool = False,
              log: Callable[[str], None] = print) -> dict[str, Stats]:
    """Run every side `repeats` times, in turns; return the samples per side.

    A side that fails (exit code, timeout) is dropped from later rounds and
    reported through the exception text in `Stats` being empty for it.
    """
    names = list(sides)
    stats = {name: Stats() for name in names}
    failed: dict[str, str] = {}
    if warmup:
        for name in names:
            try:
                sample = run_once(sides[name])
                check(name, sides[name], sample)
            except CommandFailed as exc:
                failed[name] = str(exc)
    for round_ in range(repeats):
        order = names[round_ % len(names):] + names[:round_ % len(names)]
        for name in order:
            if name in failed:
                continue
            sample = run_once(sides[name])
            try:
                check(name, sides[name], sample)
            except CommandFailed as exc:
                failed[name] = str(exc)
                log(f"    {exc}")
                continue
            stats[name].samples.append(sample)
            log(f"    {name:<28} {sample.wall:8.2f} s wall {sample.cpu:8.2f} s cpu "
                f"{sample.rss_mb:8.0f} MB")
    for name, reason in failed.items():
        stats[name].samples.clear()
        stats[name].error = reason
    return stats
