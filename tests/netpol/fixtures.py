"""Manifests and helpers shared by the tests of the netpol checks."""
from __future__ import annotations

APP = """\
apiVersion: v1
kind: Namespace
metadata: {name: todo}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: todo, namespace: todo}
spec:
  template:
    metadata: {labels: {app: todo}}
    spec: {containers: [{name: app, image: "todo:1", ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: mysql, namespace: todo}
spec:
  template:
    metadata: {labels: {app: mysql}}
    spec: {containers: [{name: db, image: "mysql:8"}]}
"""

DEFAULT_DENY = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: todo}
spec:
  podSelector: {}
  policyTypes: [Ingress]
"""

MYSQL_FROM_TODO = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: mysql-from-todo, namespace: todo}
spec:
  podSelector: {matchLabels: {app: mysql}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: todo}}}]
      ports: [{port: 3306}]
"""

TODO_OPEN = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: todo-open, namespace: todo}
spec:
  podSelector: {matchLabels: {app: todo}}
  ingress:
    - ports: [{port: http}]
"""


def policy(name: str, spec: str, namespace: str = "todo") -> str:
    return (f"---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
            f"metadata: {{name: {name}, namespace: {namespace}}}\nspec:\n{spec}")


def workload(name: str, namespace: str, labels: str) -> str:
    return (f"---\napiVersion: apps/v1\nkind: Deployment\n"
            f"metadata: {{name: {name}, namespace: {namespace}}}\nspec:\n  template:\n"
            f"    metadata: {{labels: {labels}}}\n"
            f"    spec: {{containers: [{{name: c, image: \"x:1\"}}]}}\n")


def line_of(text: str, needle: str, start_after: str = "") -> int:
    """1-based line of the first line holding needle (after start_after, if given)."""
    lines = text.splitlines()
    begin = 0
    if start_after:
        begin = next(i for i, line in enumerate(lines) if start_after in line) + 1
    return next(i + 1 for i in range(begin, len(lines)) if needle in lines[i])


def summary(findings) -> list[tuple]:
    return [(f.check_id, str(f.object) if f.object else None, f.file, f.line, f.field)
            for f in findings]
