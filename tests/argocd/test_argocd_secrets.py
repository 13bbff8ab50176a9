"""Credentials are cleaned before use and never come back out, in any encoding."""
from __future__ import annotations

import base64
import io
import json
from urllib.parse import quote, quote_plus

import pytest
from argocd_fake import make_app

from kustguard.argocd import ArgoCDError, ServerError, Session, TransportError, cli
from kustguard.argocd.secrets import REDACTED, Redactor, clean_password, clean_token

# JSON-escaping, URL-encoding and HTML-escaping all change this one.
PASSWORD = 'pa"ss\\w<o>rd&1 é'


def _echoes(secret: str, user: str = "admin") -> list[str]:
    """``secret`` as servers and proxies echo it."""
    return [
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(secret)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e")
        .replace("&", "\\u0026"),
        quote(secret, safe=""),
        quote_plus(secret),
        base64.b64encode(secret.encode()).decode(),
        base64.b64encode(f"{user}:{secret}".encode()).decode(),  # Basic auth
        base64.urlsafe_b64encode(f"x{secret}".encode()).decode().rstrip("="),
    ]


def _leaks(text: str, secret: str) -> list[str]:
    return [form for form in _echoes(secret) if form in text] + \
        [form for form in (secret[:8], secret[-8:]) if form in text]


@pytest.mark.parametrize("echo", range(len(_echoes(PASSWORD))))
def test_each_encoding_is_redacted(echo):
    redactor = Redactor()
    redactor.add(PASSWORD)
    text = f"upstream said: <{_echoes(PASSWORD)[echo]}> (end)"
    out = redactor.redact(text)
    assert REDACTED in out and out.startswith("upstream said: <") and out.endswith("(end)")
    assert not _leaks(out, PASSWORD), out


def test_short_encoded_forms_do_not_eat_ordinary_text():
    redactor = Redactor()
    redactor.add("ab")
    assert redactor.redact("YWI= and ab") == "YWI= and ***"


def test_credentials_are_stripped_and_validated():
    assert clean_token(" eyJ.a.b\r\n", "T") == "eyJ.a.b"
    assert clean_token("\n", "T") is None
    with pytest.raises(ValueError) as info:
        clean_token("eyJ.a\r.b-secret-part", "ARGOCD_AUTH_TOKEN")
    assert "ARGOCD_AUTH_TOKEN" in str(info.value) and "position 6" in str(info.value)
    assert "secret-part" not in str(info.value)
    assert clean_password(" two words \r\n", "P") == " two words "
    with pytest.raises(ValueError) as info:
        clean_password("hunter\x002", "ARGOCD_PASSWORD")
    assert "hunter" not in str(info.value)


@pytest.mark.parametrize("ending", ["\n", "\r", "\r\n"])
def test_a_token_with_a_line_end_is_sent_stripped(fake, ending):
    """Sent as is, requests raises InvalidHeader quoting 'Bearer <token>\\n'."""
    token = fake.issue_token()
    fake.add_app(make_app("web"))
    session = Session(fake.url, token=token + ending, retries=0)
    from kustguard.argocd import ArgoCD
    assert ArgoCD(session).get("web")["metadata"]["name"] == "web"
    assert fake.calls("ApplicationService_Get")[0]["authorization"] == f"Bearer {token}"


def test_a_header_error_from_the_transport_is_redacted(fake):
    """Whatever requests quotes from a header never reaches the error text."""
    import requests

    token = fake.issue_token()

    class Refusing(requests.Session):
        def request(self, method, url, **kwargs):  # noqa: ANN001
            raise requests.exceptions.InvalidHeader(
                f"Invalid header value {kwargs['headers'].get('Authorization')!r}")

    from kustguard.argocd import ArgoCD
    client = ArgoCD(Session(fake.url, token=token, retries=0, http=Refusing()))
    with pytest.raises(TransportError) as info:
        client.get("web")
    assert token not in str(info.value) and REDACTED in str(info.value)


def test_cli_token_with_line_end_works_and_inner_control_character_is_exit_2(
        fake, monkeypatch):
    token = fake.issue_token()
    fake.add_app(make_app("web"))
    monkeypatch.setenv("ARGOCD_SERVER", fake.url)
    monkeypatch.setenv("ARGOCD_AUTH_TOKEN", token + "\r\n")
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["argocd", "status", "web", "--output", "json"], stdout=out,
                    stderr=err) == 1  # OutOfSync
    assert json.loads(out.getvalue())[0]["name"] == "web"
    bad = token[:10] + "\r" + token[10:]
    monkeypatch.setenv("ARGOCD_AUTH_TOKEN", bad)
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["argocd", "status", "web"], stdout=out, stderr=err)
    said = out.getvalue() + err.getvalue()
    assert code == 2 and "ARGOCD_AUTH_TOKEN" in said and len(said.strip().splitlines()) == 1
    assert token[11:] not in said and token[:10] not in said


@pytest.mark.parametrize("echo", range(len(_echoes(PASSWORD))))
def test_a_password_echoed_in_a_5xx_body_is_redacted(fake, echo):
    """A proxy answers the login with an error page quoting the request."""
    fake.users["admin"] = PASSWORD
    form = _echoes(PASSWORD)[echo]
    page = f'<html>502: upstream refused {{"username":"admin","password":"{form}"}}</html>'
    fake.fail("SessionService_Create", 502, raw=page.encode(), times=5)
    from kustguard.argocd import ArgoCD
    client = ArgoCD(Session(fake.url, username="admin", password=PASSWORD, retries=1,
                            backoff=0.01))
    with pytest.raises(ArgoCDError) as info:
        client.get("web")
    for text in (str(info.value), repr(info.value)):
        assert not _leaks(text, PASSWORD), text


def test_a_password_json_escaped_in_a_gateway_message_is_redacted(fake):
    """The gateway's JSON error, whose message quotes the body as JSON text."""
    fake.users["admin"] = PASSWORD
    echoed = json.dumps({"username": "admin", "password": PASSWORD})
    fake.fail("SessionService_Create", 500, 13, f"cannot decode {echoed}", times=5)
    from kustguard.argocd import ArgoCD
    client = ArgoCD(Session(fake.url, username="admin", password=PASSWORD, retries=0))
    with pytest.raises(ServerError) as info:
        client.get("web")
    assert "cannot decode" in str(info.value) and REDACTED in str(info.value)
    assert not _leaks(str(info.value), PASSWORD)
