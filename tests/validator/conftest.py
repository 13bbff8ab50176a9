"""Show what the fuzz test generated in the run's summary, also under
pytest-xdist (workers' prints are not shown; test reports travel)."""
from __future__ import annotations

_FUZZ_LINES: list[str] = []


def pytest_runtest_logreport(report):
    if report.when == "call":
        _FUZZ_LINES.extend(value for name, value in report.user_properties if name == "fuzz")


def pytest_terminal_summary(terminalreporter):
    for line in _FUZZ_LINES:
        terminalreporter.write_line(line)
