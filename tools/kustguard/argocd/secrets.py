"""Credentials: cleaned before use, and scrubbed from any text in any encoding.

A token read from a file or an env file often ends in ``\\n`` or ``\\r\\n``.
Sent as is, ``requests`` refuses the header and quotes its whole value in
the exception; so values are stripped first, and a token that still holds
whitespace or a control character is refused without quoting it.

A server or a proxy may echo a credential back in an error body: raw, inside
a JSON string (escaped), in a URL (percent-encoded), or in base64 (a Basic
``Authorization`` header, a cookie). :class:`Redactor` removes each secret in
all of those forms.
"""
from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote, quote_plus

REDACTED = "***"
# Encoded forms shorter than this are not redacted: they would match
# ordinary text (the raw value is always redacted, whatever its length).
MIN_ENCODED = 6
_PERCENT = re.compile(r"%[0-9A-F]{2}")


def _bad_position(value: str, *, allow_space: bool) -> int | None:
    for index, char in enumerate(value):
        code = ord(char)
        if code < 0x20 or code == 0x7F or (char.isspace() and not allow_space):
            return index
    return None


def clean_token(value: str | None, source: str) -> str | None:
    """The token without surrounding whitespace; ``None`` when unset or blank.

    Raises ValueError (naming ``source`` and the position, never the value)
    for whitespace or a control character inside the token.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    bad = _bad_position(value, allow_space=False)
    if bad is not None:
        raise ValueError(f"{source} holds whitespace or a control character at position "
                         f"{bad + 1} (value not shown): set it to the token alone")
    return value


def clean_username(value: str | None, source: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    bad = _bad_position(value, allow_space=True)
    if bad is not None:
        raise ValueError(f"{source} holds a control character at position {bad + 1}")
    return value


def clean_password(value: str | None, source: str) -> str | None:
    """The password without a trailing or leading line break (spaces are kept:
    they may belong to it)."""
    if value is None:
        return None
    value = value.strip("\r\n")
    if not value:
        return None
    bad = _bad_position(value, allow_space=True)
    if bad is not None:
        raise ValueError(f"{source} holds a control character at position {bad + 1} "
                         "(value not shown)")
    return value


def _base64_cores(data: bytes) -> set[str]:
    """What ``data`` looks like inside any longer base64 text.

    Base64 works in 3-byte groups, so the encoding of ``data`` depends on
    where it starts in the encoded whole (offset 0, 1 or 2 in a group). For
    each offset, the characters fully determined by ``data`` alone are kept.
    """
    cores: set[str] = set()
    for offset in range(3):
        total = offset + len(data)
        encoded = base64.b64encode(b"\0" * offset + data).decode()
        start = -(-8 * offset // 6)  # ceil: skip characters holding prefix bits
        end = 4 * (total // 3) + (8 * (total % 3)) // 6
        core = encoded[start:end]
        if len(core) >= MIN_ENCODED:
            cores.add(core)
            cores.add(core.replace("+", "-").replace("/", "_"))  # the URL-safe alphabet
    return cores


def encodings(secret: str) -> set[str]:
    """``secret`` as it may appear in echoed text."""
    forms = {secret}
    escaped = json.dumps(secret)[1:-1]
    forms.add(escaped)
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    # Go's encoding/json also escapes <, > and & (HTML-safe).
    forms.add(escaped.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
    for url in (quote(secret, safe=""), quote_plus(secret)):
        forms.add(url)
        forms.add(_lower_percent(url))
    forms |= _base64_cores(secret.encode())
    # UTF-8 bytes read as Latin-1 (a text/html answer without a charset).
    forms.add(secret.encode().decode("latin-1"))
    return {f for f in forms if f == secret or len(f) >= MIN_ENCODED}


def _lower_percent(text: str) -> str:
    return _PERCENT.sub(lambda m: m.group().lower(), text)


class Redactor:
    """Secrets to remove from text, in every encoding of :func:`encodings`."""

    def __init__(self) -> None:
        self._forms: list[str] = []

    def add(self, secret: str | None) -> None:
        if not secret:
            return
        forms = set(self._forms) | encodings(secret)
        self._forms = sorted(forms, key=len, reverse=True)  # longest first

    def redact(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def __bool__(self) -> bool:
        return bool(self._forms)
