"""`kustguard explain`: formats, inputs and errors."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from kustguard.cli import main

from .fixtures import APP, DEFAULT_DENY, MYSQL_FROM_TODO, TODO_OPEN

STREAM = APP + DEFAULT_DENY + MYSQL_FROM_TODO + TODO_OPEN


@pytest.fixture
def stream_file(tmp_path: Path) -> Path:
    path = tmp_path / "rendered.yaml"
    path.write_text(STREAM)
    return path


def explain(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["explain", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_lists_every_connection_and_the_isolation(capsys, stream_file):
    code, out, _ = explain(capsys, "-f", str(stream_file))
    assert code == 0
    connections = out.split("Allowed connections:\n")[1].split("\n\n")[0].splitlines()
    assert [" ".join(line.split()) for line in connections] == [
        "todo/mysql -> kube-system/kube-dns TCP 53; UDP 53",
        "todo/mysql -> todo/todo TCP 8080",
        "todo/mysql -> world all",
        "todo/todo -> kube-system/kube-dns TCP 53; UDP 53",
        "todo/todo -> todo/mysql TCP 3306",
        "todo/todo -> world all",
        "world -> todo/todo TCP 8080",
    ]
    assert "  todo/mysql: ingress isolated by todo/default-deny, todo/mysql-from-todo; " \
           "egress open (no policy)" in out
    assert out.startswith(f"Reachability of {stream_file}: 2 workloads, 3 NetworkPolicies\n")


def test_markdown_matrix_from_stdin(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(STREAM.encode())))
    code, out, _ = explain(capsys, "-f", "-", "--format", "markdown")
    assert code == 0
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| from \\ to |"))
    assert lines[header] == ("| from \\ to | `todo/mysql` | `todo/todo` | `kube-system/kube-dns` "
                             "| `world` |")
    assert lines[header + 2] == "| `todo/mysql` | — | TCP 8080 | TCP 53; UDP 53 | all |"
    assert lines[header + 3] == "| `todo/todo` | TCP 3306 | TCP 8080 | TCP 53; UDP 53 | all |"
    assert lines[header + 4] == "| `world` | — | TCP 8080 | — | — |"


def test_dot_graph(capsys, stream_file):
    code, out, _ = explain(capsys, "-f", str(stream_file), "--format", "dot")
    assert code == 0
    assert out.startswith("digraph reachability {") and out.rstrip().endswith("}")
    assert out.count("{") == out.count("}")
    assert '  "todo/todo" -> "todo/mysql" [label="TCP 3306"];' in out
    assert '  "world" -> "todo/todo" [label="TCP 8080"];' in out
    assert '    "kube-system/kube-dns" [label="kube-dns", style=dashed];' in out


@pytest.mark.parametrize("args, message", [
    ((), "explain needs exactly one of"),
    (("overlays/x", "-f", "x.yaml"), "explain needs exactly one of"),
    (("-f", "no-such-file.yaml"), "no-such-file.yaml: cannot read"),
])
def test_usage_errors_exit_2(capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = explain(capsys, *args)
    assert (code, out) == (2, "")
    assert message in err


def test_invalid_policy_in_stream_exits_2_naming_the_field(capsys, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(APP + """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: todo}
spec:
  podSelector: {}
  ingress:
    - from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]
""")
    code, _, err = explain(capsys, "-f", str(path))
    assert code == 2
    assert "NetworkPolicy todo/bad: spec.ingress[0].from[0]: ipBlock cannot be combined" in err


OVERLAY_FILES = {
    "base/app.yaml": STREAM,
    "base/kustomization.yaml": "resources: [app.yaml]\n",
    "overlays/dev/kustomization.yaml": "resources: [../../base]\n",
    "overlays/dev/environment.yaml": """\
apiVersion: kustguard.io/v1
kind: Environment
intents:
  - name: only todo reaches mysql
    to: {namespace: todo, workload: mysql}
    port: 3306
    only-from: [{namespace: todo, workload: todo}]
  - name: mysql is open to all
    to: {namespace: todo, workload: mysql}
    port: 3306
    open-to-all: true
""",
}


def test_overlay_is_rendered_and_its_intents_reported(capsys, make_repo, monkeypatch):
    root = make_repo(OVERLAY_FILES)
    monkeypatch.chdir(root)
    code, out, err = explain(capsys, "overlays/dev")
    assert code == 0, err
    assert out.startswith("Reachability of overlays/dev: 2 workloads, 3 NetworkPolicies\n")
    intents = out.split("Intents:\n")[1].splitlines()
    assert intents[0] == "  ok   only todo reaches mysql"
    assert intents[1] == "  FAIL mysql is open to all"
    assert intents[2].strip().startswith("world -> todo/mysql is denied on TCP 3306: ingress:")


def test_overlay_with_malformed_intent_exits_2(capsys, make_repo, monkeypatch):
    files = dict(OVERLAY_FILES)
    files["overlays/dev/environment.yaml"] = files["overlays/dev/environment.yaml"].replace(
        "open-to-all: true", "open-to-all: yes please")
    root = make_repo(files)
    monkeypatch.chdir(root)
    code, out, err = explain(capsys, "overlays/dev")
    assert (code, out) == (2, "")
    assert "environment.yaml:8: intent 2 ('mysql is open to all'): open-to-all must be true" in err
