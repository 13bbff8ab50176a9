"""pythonapp: the small web application of the Kubernetes workshop (seed 001).

Standard library only. Routes:

- ``/``        a greeting naming the pod (hostname) that answered;
- ``/env``     the container's environment as JSON (the workshop's way to see
               ConfigMap and Secret values arrive), with secret-looking values
               masked;
- ``/healthz`` liveness/readiness.

Listens on ``PORT`` (default 5000).
"""
from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET_MARKERS = ("PASSWORD", "SECRET", "TOKEN", "KEY", "MDP")
MASK = "********"


def masked_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment with the values of secret-looking names masked."""
    return {
        name: (MASK if any(m in name.upper() for m in SECRET_MARKERS) else value)
        for name, value in sorted(environ.items())
    }


def route(path: str, environ: Mapping[str, str], hostname: str) -> tuple[int, str, bytes]:
    """(status, content type, body) for a GET of ``path``."""
    path = path.split("?", 1)[0]
    if path == "/":
        body = f"Hello from pythonapp on {hostname}\n"
        return 200, "text/plain; charset=utf-8", body.encode()
    if path == "/env":
        return 200, "application/json", json.dumps(masked_environment(environ), ensure_ascii=False,
                                                   indent=1).encode()
    if path == "/healthz":
        return 200, "text/plain; charset=utf-8", b"ok\n"
    return 404, "text/plain; charset=utf-8", b"not found\n"


class Handler(BaseHTTPRequestHandler):
    server_version = "pythonapp/0.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        status, ctype, body = route(self.path, os.environ, socket.gethostname())
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt: str, *args: object) -> None:
        if self.path != "/healthz":
            super().log_message(fmt, *args)


def main() -> None:
    port = int(os.environ.get("PORT", "5000"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    print(f"pythonapp listening on :{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
