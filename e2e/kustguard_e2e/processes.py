"""Start, watch and stop the control plane's processes.

Each process runs in its own session (process group), so stopping it also
stops what it spawned (the repo-server's git, the plugin's kustomize), and
logs to ``<log_dir>/<name>.log``. :class:`Supervisor` stops everything it
started, in reverse order, and is also registered with :mod:`atexit` so an
interrupted run leaves nothing behind.
"""
from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class StartupError(RuntimeError):
    """A process died or did not become ready; the message ends with its log."""


def free_port(used: set[int] | None = None) -> int:
    """A TCP port free on 127.0.0.1 now (and not in ``used``)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if used is None or port not in used:
            if used is not None:
                used.add(port)
            return port


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class Process:
    """One long-running program; can be killed and started again (same log)."""

    def __init__(self, name: str, argv: Sequence[str], *, log_dir: Path,
                 env: Mapping[str, str] | None = None, cwd: Path | None = None) -> None:
        self.name = name
        self.argv = [str(a) for a in argv]
        self.env = dict(env) if env is not None else dict(os.environ)
        self.cwd = cwd
        self.log = log_dir / f"{name}.log"
        self._popen: subprocess.Popen | None = None
        self.starts = 0

    def __repr__(self) -> str:
        return f"Process({self.name!r}, pid={self.pid})"

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    @property
    def alive(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def start(self) -> "Process":
        if self.alive:
            raise RuntimeError(f"{self.name} is already running")
        self.starts += 1
        with self.log.open("ab") as log:
            log.write(f"\n=== start #{self.starts}: {' '.join(self.argv)}\n".encode())
            log.flush()
            self._popen = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL, env=self.env,
                                           cwd=self.cwd, start_new_session=True)
        return self

    def _signal_group(self, sig: int) -> None:
        if self._popen is None:
            return
        try:
            os.killpg(self._popen.pid, sig)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """SIGKILL, no warning: the fault a crash or an OOM kill would be."""
        self._signal_group(signal.SIGKILL)
        if self._popen is not None:
            self._popen.wait(timeout=30)

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout``; the whole process group."""
        if self._popen is None:
            return
        started = time.monotonic()
        running = self._popen.poll() is None
        if running:
            self._signal_group(signal.SIGTERM)
            try:
                self._popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        # Whatever it spawned that ignored SIGTERM, and the process itself.
        self._signal_group(signal.SIGKILL)
        try:
            self._popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        if running:
            with self.log.open("a") as log:
                log.write(f"\n=== stopped in {time.monotonic() - started:.1f}s "
                          f"(exit {self._popen.returncode})\n")

    def restart(self) -> "Process":
        self.stop()
        return self.start()

    def describe(self, lines: int = 40) -> str:
        state = "running" if self.alive else (
            f"exited with {self._popen.returncode}" if self._popen else "never started")
        return f"--- {self.name} ({state}), {self.log}:\n{tail(self.log, lines)}"


class Supervisor:
    """Owns every process of one control plane."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, Process] = {}
        self._stopped = False
        atexit.register(self.stop_all)

    def start(self, name: str, argv: Sequence[str], **kwargs) -> Process:
        if name in self.processes:
            raise ValueError(f"{name} already started")
        proc = Process(name, argv, log_dir=self.log_dir, **kwargs)
        self.processes[name] = proc
        return proc.start()

    def __getitem__(self, name: str) -> Process:
        return self.processes[name]

    def stop_all(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for proc in reversed(list(self.processes.values())):
            try:
                proc.stop()
            except Exception:  # noqa: BLE001 - keep stopping the others
                pass
        atexit.unregister(self.stop_all)

    def dead(self) -> list[Process]:
        return [p for p in self.processes.values() if not p.alive]

    def report(self, lines: int = 40) -> str:
        """Every process's state and the end of its log (for failure messages)."""
        return "\n".join(p.describe(lines) for p in self.processes.values())


def wait_until(check: Callable[[], T], *, timeout: float, what: str,
               process: Process | None = None, interval: float = 0.5) -> T:
    """Call ``check`` until it returns a truthy value; fail fast if ``process``
    dies. Exceptions from ``check`` count as "not yet" (the last is reported)."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while True:
        if process is not None and not process.alive:
            raise StartupError(f"{process.name} exited while waiting for {what}\n"
                               f"{process.describe(60)}")
        try:
            value = check()
            if value:
                return value
            last = None
        except Exception as exc:  # noqa: BLE001 - retried until the deadline
            last = exc
        if time.monotonic() >= deadline:
            detail = f" (last error: {last})" if last else ""
            log = f"\n{process.describe(60)}" if process is not None else ""
            raise StartupError(f"timed out after {timeout:g}s waiting for {what}{detail}{log}")
        time.sleep(interval)
