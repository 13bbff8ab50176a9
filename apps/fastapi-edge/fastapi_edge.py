"""fastapi-edge: the edge service of the cloud & edge course (seed 004).

Answers where it runs, so that moving the Deployment from one point of
presence to another (PoP=space_1 -> PoP=space_2) shows in its responses.

Run: ``uvicorn fastapi_edge:app --host 0.0.0.0 --port 5000``.
"""
from __future__ import annotations

import os
import socket

from fastapi import FastAPI

app = FastAPI(title="fastapi-edge", version="0.1.0")


def location() -> dict[str, str]:
    return {
        "pod": socket.gethostname(),
        "node": os.environ.get("NODE_NAME", "unknown"),
    }


@app.get("/")
def root() -> dict[str, str]:
    return {"message": "Hello from the edge", **location()}


@app.get("/items/{item_id}")
def read_item(item_id: int) -> dict[str, object]:
    return {"item_id": item_id, "served_by": location()}


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
