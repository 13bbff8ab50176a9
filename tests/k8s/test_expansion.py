"""k8s.expansion: the kubelet's $(VAR) expansion, as the Kubernetes docs
describe it (tasks/inject-data-application/define-interdependent-environment-variables)."""
from __future__ import annotations

import pytest

from kustguard.k8s.expansion import expand, references

ENV = {"SERVICE_PORT": "80", "SERVICE_IP": "172.17.0.1", "PROTOCOL": "https"}


@pytest.mark.parametrize("text, want, unresolved", [
    # The documentation's example: dependent variables.
    ("$(PROTOCOL)://$(SERVICE_IP):$(SERVICE_PORT)", "https://172.17.0.1:80", []),
    # An unknown name stays as written.
    ("$(PROTOCOL)://$(SERVICE_ADDRESS)", "https://$(SERVICE_ADDRESS)", ["SERVICE_ADDRESS"]),
    # $$ escapes: the reference is not expanded.
    ("$$(SERVICE_PORT)", "$(SERVICE_PORT)", []),
    ("$$$(SERVICE_PORT)", "$80", []),
    # A lone $, a $ before other text, and an unclosed $( stay.
    ("cost $5 and $", "cost $5 and $", []),
    ("$(SERVICE_PORT", "$(SERVICE_PORT", []),
    # The name is whatever stands between the parentheses.
    ("$(a b)", "$(a b)", ["a b"]),
    ("", "", []),
])
def test_expand(text, want, unresolved):
    got = expand(text, ENV.get)
    assert (got.text, got.unresolved) == (want, unresolved)


def test_references_skip_escapes():
    assert references("-p$(MYSQL_PWD) $$(NOT) $(X)") == ["MYSQL_PWD", "X"]
