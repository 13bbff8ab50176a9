import importlib.util
import json
import threading
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "pythonapp_under_test", Path(__file__).resolve().parents[1] / "pythonapp.py")
pythonapp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pythonapp)


def test_env_shows_configmap_values_and_masks_the_secret():
    environ = {"k8s": "leprésent", "virt": "legacy", "MDP": "torototo", "DB_PASSWORD": "x"}
    status, ctype, body = pythonapp.route("/env", environ, "pod-1")
    assert status == 200 and ctype == "application/json"
    shown = json.loads(body)
    assert shown["k8s"] == "leprésent" and shown["virt"] == "legacy"
    assert shown["MDP"] == pythonapp.MASK and shown["DB_PASSWORD"] == pythonapp.MASK
    assert "torototo" not in body.decode()


def test_root_names_the_answering_pod_and_ignores_query():
    status, _, body = pythonapp.route("/?x=1", {}, "pythonapp-abc")
    assert status == 200 and b"pythonapp-abc" in body


def test_unknown_path_is_404():
    assert pythonapp.route("/nope", {}, "h")[0] == 404


@pytest.fixture()
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), pythonapp.Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_served_over_http(server, monkeypatch):
    monkeypatch.setenv("k8s", "leprésent")
    with urllib.request.urlopen(server + "/healthz", timeout=5) as r:
        assert r.status == 200 and r.read() == b"ok\n"
    with urllib.request.urlopen(server + "/env", timeout=5) as r:
        assert json.loads(r.read())["k8s"] == "leprésent"
