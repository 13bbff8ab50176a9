"""Turn a decrypted dotenv file into Secret keys, as KSOPS does with godotenv.

`KEY=value` lines, an optional `export ` prefix, blank lines and `#`
comments. Unquoted values lose surrounding blanks and a ` #` comment;
single-quoted values are literal; double-quoted values understand `\\n`,
`\\r`, `\\t` and backslash escapes; quoted values may span lines. Unlike
godotenv, `$VAR` is never expanded: a secret is taken as written.
Errors name line numbers, never content.
"""
from __future__ import annotations

from kustguard.errors import InputError
from kustguard.sops.config import SECRET_KEY

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}


def _closing_quote(text: str, start: int, quote: str) -> int:
    i = start
    while i < len(text):
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i
        i += 1
    return -1


def _unescape(body: str) -> str:
    out = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            following = body[i + 1]
            out.append(_ESCAPES.get(following, following))
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def parse_env(text: str, source: str) -> dict[str, str]:
    values: dict[str, str] = {}
    lines = text.replace("\r\n", "\n").split("\n")
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("export "):
            stripped = stripped[len("export "):].lstrip()
        key, sep, rest = stripped.partition("=")
        key = key.strip()
        if not sep:
            raise InputError(f"line {number} of the decrypted dotenv file has no '='", source)
        if not SECRET_KEY.fullmatch(key):
            raise InputError(f"line {number} of the decrypted dotenv file has an invalid key "
                             "(letters, digits, '-', '_' and '.')", source)
        if key in values:
            raise InputError(f"line {number} of the decrypted dotenv file repeats key {key!r}",
                             source)
        rest = rest.lstrip(" \t")
        if rest[:1] in ("'", '"'):
            quote = rest[0]
            body = rest[1:]
            start_line = number
            end = _closing_quote(body, 0, quote)
            while end < 0 and number < len(lines):
                body += "\n" + lines[number]
                number += 1
                end = _closing_quote(body, 0, quote)
            if end < 0:
                raise InputError(f"line {start_line} of the decrypted dotenv file opens a "
                                 "quote that is never closed", source)
            value = body[:end]
            values[key] = _unescape(value) if quote == '"' else value
            continue
        comment = rest.find(" #")
        if comment >= 0:
            rest = rest[:comment]
        values[key] = rest.strip(" \t")
    return values
