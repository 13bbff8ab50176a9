"""The rules argocd-server applies before its gateway, as the fake enforces them.

Each rule has a test with a client that breaks it (a ``requests`` session
that drops or changes the header on the way out), showing the fake turns it
away the way the real server does; the fixture fails any other test whose
client breaks a rule.
"""
from __future__ import annotations

import json

import pytest
import requests
from argocd_fake import make_app

from kustguard.argocd import ArgoCD, BadRequest, Outcome, Session, wait_for

PASSWORD = "correct-horse-battery"


class _HeaderRewrite(requests.Session):
    """A client that sends what ``rewrite`` makes of the Content-Type header."""

    def __init__(self, rewrite) -> None:
        super().__init__()
        self.rewrite = rewrite

    def request(self, method, url, **kwargs):  # noqa: ANN001 - requests' signature
        headers = dict(kwargs.get("headers") or {})
        value = self.rewrite(method, headers.pop("Content-Type", None))
        if value is not None:
            headers["Content-Type"] = value
        kwargs["headers"] = headers
        if kwargs.get("json") is not None:  # keep the body, drop requests' own header
            kwargs["data"] = json.dumps(kwargs.pop("json")).encode()
        return super().request(method, url, **kwargs)


def _client(fake, token, rewrite) -> ArgoCD:
    return ArgoCD(Session(fake.url, token=token, retries=0, http=_HeaderRewrite(rewrite)))


def test_every_call_but_get_sends_json_content_type(fake, make_client):
    fake.add_app(make_app("web"))
    client = make_client(username="admin", password=PASSWORD)
    client.sync("web")
    client.terminate("web")
    fake.update("web", lambda a: a.pop("operation", None))
    client.rollback("web", 1)
    client.delete("web")
    sent = [(r["method"], r["content_type"]) for r in fake.requests if r["method"] != "GET"]
    assert [m for m, _ in sent] == ["POST", "POST", "DELETE", "POST", "DELETE"]  # login first
    assert {ct for _, ct in sent} == {"application/json"}
    assert fake.refused == []


def test_a_bodiless_delete_without_content_type_is_refused_415(fake, token):
    """The old client: DELETE with no body, so no Content-Type. Termination
    fails, and a wait that should end "terminated" (6) ends "timeout" (5)."""
    fake.add_app(make_app("web"))
    broken = _client(fake, token, lambda method, value: None if method == "DELETE" else value)
    broken.sync("web")
    with pytest.raises(BadRequest) as info:
        broken.terminate("web")
    assert info.value.status == 415 and info.value.message == "Invalid content type"
    result = wait_for(broken, "web", timeout=0.5, terminate_on_timeout=True,
                      reconnect_delay=0.05, idle_timeout=0.3)
    assert result.outcome is Outcome.TIMEOUT and result.exit_code == 5
    assert "terminating the operation failed: Invalid content type" in result.message
    assert [r["method"] for r in fake.refused] == ["DELETE", "DELETE"]
    assert fake.apps["web"]["status"]["operationState"]["phase"] == "Running"
    fake.refused.clear()  # expected here


def test_content_type_is_compared_whole_parameters_included(fake, token):
    fake.add_app(make_app("web"))
    charset = _client(fake, token, lambda method, value:
                      "application/json; charset=utf-8" if value else value)
    with pytest.raises(BadRequest) as info:
        charset.sync("web")
    assert info.value.status == 415
    upper = _client(fake, token, lambda method, value: "Application/JSON" if value else value)
    assert upper.sync("web")["operation"]  # case does not matter
    assert [r["content_type"] for r in fake.refused] == ["application/json; charset=utf-8"]
    fake.refused.clear()


def test_a_post_without_content_type_is_refused_before_auth(fake):
    """The rule sits in front of the gateway: even the login is refused."""
    broken = ArgoCD(Session(fake.url, username="admin", password=PASSWORD, retries=0,
                            http=_HeaderRewrite(lambda method, value: None)))
    with pytest.raises(BadRequest) as info:
        broken.get("web")
    assert info.value.status == 415
    assert fake.calls("SessionService_Create") == []  # never reached the gateway
    assert fake.refused[0]["path"] == "/api/v1/session"
    fake.refused.clear()


def test_get_needs_no_content_type(fake, token):
    fake.add_app(make_app("web"))
    plain = _client(fake, token, lambda method, value: None)
    assert plain.get("web")["metadata"]["name"] == "web"
    assert fake.requests[-1]["content_type"] is None
