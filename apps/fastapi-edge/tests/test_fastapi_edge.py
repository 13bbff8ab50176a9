import importlib.util
import sys
from pathlib import Path

from fastapi.testclient import TestClient

_spec = importlib.util.spec_from_file_location(
    "fastapi_edge_under_test", Path(__file__).resolve().parents[1] / "fastapi_edge.py")
edge = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = edge
_spec.loader.exec_module(edge)
client = TestClient(edge.app)


def test_root_reports_the_node_it_runs_on(monkeypatch):
    monkeypatch.setenv("NODE_NAME", "k3d-agent-1")
    body = client.get("/").json()
    assert body["node"] == "k3d-agent-1"
    assert body["pod"]


def test_node_unknown_outside_kubernetes(monkeypatch):
    monkeypatch.delenv("NODE_NAME", raising=False)
    assert client.get("/").json()["node"] == "unknown"


def test_items_validate_their_id():
    assert client.get("/items/42").json()["item_id"] == 42
    assert client.get("/items/not-a-number").status_code == 422


def test_health():
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_image_pins_its_dependencies():
    reqs = (Path(edge.__file__).parent / "requirements.txt").read_text().split()
    assert reqs and all("==" in line for line in reqs)
