"""The distributed calculator of the cloud & edge course (seed 004).

One program, five services, chosen by ``ROLE``:

- ``sum``, ``sub``, ``mul``, ``div``: an operator. ``GET /?a=<int>&b=<int>``
  answers ``{"result": <int>}`` (integer division; 400 on a bad request or a
  division by zero).
- ``front``: CalculatorService, the entry point. ``POST /`` with an arithmetic
  expression on integers as the body, e.g. ``(5+6)*2``, answers the result;
  each operation is delegated to its operator service, found at the URLs of
  ``SUM_SERVICE_URL``, ``SUB_SERVICE_URL``, ``MUL_SERVICE_URL`` and
  ``DIV_SERVICE_URL`` (Kubernetes Service DNS names, not IPs).

Every role answers ``GET /healthz``. Listens on ``PORT``. Standard library only.
"""
from __future__ import annotations

import ast
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OPERATORS: dict[str, Callable[[int, int], int]] = {
    "sum": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a // b,
}
AST_OPS = {ast.Add: "sum", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.FloorDiv: "div"}
DEFAULT_PORTS = {"front": 50000, "sum": 50001, "sub": 50002, "mul": 50003, "div": 50004}
MAX_EXPRESSION = 200


class CalcError(ValueError):
    """A request the calculator refuses (HTTP 400)."""


def operate(op: str, a: int, b: int) -> int:
    if op == "div" and b == 0:
        raise CalcError("division by zero")
    return OPERATORS[op](a, b)


def evaluate(expression: str, call: Callable[[str, int, int], int]) -> int:
    """Evaluate an integer expression, delegating each operation to ``call``."""
    if len(expression) > MAX_EXPRESSION:
        raise CalcError("expression too long")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise CalcError(f"not an expression: {expression!r}") from exc

    def walk(node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and type(node.op) in AST_OPS:
            return call(AST_OPS[type(node.op)], walk(node.left), walk(node.right))
        raise CalcError("only integers, + - * / and parentheses are allowed")

    return walk(tree.body)


def service_urls(environ: Mapping[str, str]) -> dict[str, str]:
    urls = {}
    for op in OPERATORS:
        url = environ.get(f"{op.upper()}_SERVICE_URL")
        if not url:
            raise RuntimeError(f"{op.upper()}_SERVICE_URL is not set")
        urls[op] = url.rstrip("/")
    return urls


def remote_call(urls: Mapping[str, str], timeout: float = 5.0) -> Callable[[str, int, int], int]:
    def call(op: str, a: int, b: int) -> int:
        query = urllib.parse.urlencode({"a": a, "b": b})
        try:
            with urllib.request.urlopen(f"{urls[op]}/?{query}", timeout=timeout) as resp:
                return int(json.loads(resp.read())["result"])
        except urllib.error.HTTPError as exc:
            raise CalcError(json.loads(exc.read() or b"{}").get("error", f"{op} failed")) from exc
    return call


def make_handler(role: str, environ: Mapping[str, str]) -> type[BaseHTTPRequestHandler]:
    call = remote_call(service_urls(environ)) if role == "front" else None

    class Handler(BaseHTTPRequestHandler):
        server_version = f"calculator-{role}/0.1"

        def reply(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/healthz":
                return self.reply(200, {"status": "ok", "role": role})
            if role == "front" or url.path != "/":
                return self.reply(404, {"error": "not found"})
            params = urllib.parse.parse_qs(url.query)
            try:
                a, b = int(params["a"][0]), int(params["b"][0])
                return self.reply(200, {"result": operate(role, a, b)})
            except (KeyError, ValueError) as exc:
                return self.reply(400, {"error": str(exc) or "a and b must be integers"})

        def do_POST(self) -> None:  # noqa: N802
            if role != "front" or self.path != "/":
                return self.reply(404, {"error": "not found"})
            length = min(int(self.headers.get("Content-Length") or 0), MAX_EXPRESSION + 1)
            expression = self.rfile.read(length).decode("utf-8", "replace")
            try:
                result = evaluate(expression, call)
            except CalcError as exc:
                return self.reply(400, {"error": str(exc)})
            except OSError as exc:
                return self.reply(502, {"error": f"operator unreachable: {exc}"})
            print(f"{expression.strip()} = {result}", flush=True)
            return self.reply(200, {"expression": expression.strip(), "result": result})

        def log_message(self, fmt: str, *args: object) -> None:
            if not self.path.startswith("/healthz"):
                super().log_message(fmt, *args)

    return Handler


def main() -> None:
    role = os.environ.get("ROLE", "front")
    if role not in DEFAULT_PORTS:
        raise SystemExit(f"ROLE must be one of {sorted(DEFAULT_PORTS)}")
    port = int(os.environ.get("PORT", DEFAULT_PORTS[role]))
    server = ThreadingHTTPServer(("0.0.0.0", port), make_handler(role, os.environ))
    print(f"calculator {role} listening on port {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
