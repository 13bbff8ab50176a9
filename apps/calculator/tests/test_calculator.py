import importlib.util
import json
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "calculator_under_test", Path(__file__).resolve().parents[1] / "calculator.py")
calc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(calc)


def local_call(op, a, b):
    return calc.operate(op, a, b)


@pytest.mark.parametrize("expr,expected", [
    ("(5+6)*2", 22), ("7-10", -3), ("9/2", 4), ("-3*-3", 9), ("2+3*4", 14), ("((1))", 1),
])
def test_evaluate(expr, expected):
    assert calc.evaluate(expr, local_call) == expected


def test_every_operation_goes_through_its_service():
    calls = []

    def spy(op, a, b):
        calls.append(op)
        return calc.operate(op, a, b)

    assert calc.evaluate("(8-2)*3+4/2", spy) == 20
    assert sorted(calls) == ["div", "mul", "sub", "sum"]


@pytest.mark.parametrize("expr", ["2**3", "__import__('os')", "1.5+1", "a+1", "1+", "9" * 300])
def test_rejects_anything_else(expr):
    with pytest.raises(calc.CalcError):
        calc.evaluate(expr, local_call)


def test_division_by_zero_is_refused():
    with pytest.raises(calc.CalcError):
        calc.operate("div", 1, 0)


def test_front_needs_every_service_url():
    with pytest.raises(RuntimeError, match="DIV_SERVICE_URL"):
        calc.service_urls({"SUM_SERVICE_URL": "x", "SUB_SERVICE_URL": "x", "MUL_SERVICE_URL": "x"})


def _serve(role, environ):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), calc.make_handler(role, environ))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


@pytest.fixture(scope="module")
def cluster():
    """The five services on local ports, the front wired to the others by URL."""
    servers, env = [], {}
    for op in calc.OPERATORS:
        srv, url = _serve(op, {})
        servers.append(srv)
        env[f"{op.upper()}_SERVICE_URL"] = url
    front, front_url = _serve("front", env)
    servers.append(front)
    yield front_url, env
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def _post(url, body):
    req = urllib.request.Request(url + "/", data=body.encode(), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_front_computes_through_the_operator_services(cluster):
    front_url, _ = cluster
    assert _post(front_url, "(5+6)*2") == (200, {"expression": "(5+6)*2", "result": 22})


def test_front_reports_operator_errors(cluster):
    front_url, _ = cluster
    status, payload = _post(front_url, "1/0")
    assert status == 400 and "zero" in payload["error"]


def test_operator_answers_get_and_health(cluster):
    _, env = cluster
    with urllib.request.urlopen(env["MUL_SERVICE_URL"] + "/?a=6&b=7", timeout=5) as r:
        assert json.loads(r.read()) == {"result": 42}
    with urllib.request.urlopen(env["SUB_SERVICE_URL"] + "/healthz", timeout=5) as r:
        assert json.loads(r.read())["role"] == "sub"
