"""Plain YAML scalars resolved the way sops's YAML library (go-yaml v3) does.

The type of an unencrypted value decides the bytes it adds to the MAC, so a
plain `yes` must stay a string, `017` must be the integer 15, `08` the
float 8 and `2024-1-2` a timestamp, exactly as go-yaml resolves them.
"""
from __future__ import annotations

import re

import yaml

from kustguard.sops.values import Timestamp, ValueFormatError, checked_timestamp

STR, NULL, BOOL, INT, FLOAT, TIMESTAMP = "str", "null", "bool", "int", "float", "timestamp"

_MAP: dict[str, tuple[str, object]] = {
    "": (NULL, None), "~": (NULL, None), "null": (NULL, None), "Null": (NULL, None),
    "NULL": (NULL, None),
    "true": (BOOL, True), "True": (BOOL, True), "TRUE": (BOOL, True),
    "false": (BOOL, False), "False": (BOOL, False), "FALSE": (BOOL, False),
    ".inf": (FLOAT, float("inf")), ".Inf": (FLOAT, float("inf")), ".INF": (FLOAT, float("inf")),
    "+.inf": (FLOAT, float("inf")), "+.Inf": (FLOAT, float("inf")),
    "+.INF": (FLOAT, float("inf")),
    "-.inf": (FLOAT, float("-inf")), "-.Inf": (FLOAT, float("-inf")),
    "-.INF": (FLOAT, float("-inf")),
    ".nan": (FLOAT, float("nan")), ".NaN": (FLOAT, float("nan")), ".NAN": (FLOAT, float("nan")),
}

# YAML 1.1 booleans go-yaml v3 no longer reads as bools but still quotes.
OLD_BOOLS = frozenset("y Y yes Yes YES on On ON n N no No NO off Off OFF".split())
_BASE60_FLOAT = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?")
_GO_INT_BASE0 = re.compile(
    r"([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_STAMP_T = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})"
                      r"(?:[.,](\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))")
_STAMP_SPACE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})"
                          r"(?:[.,](\d+))?")
_STAMP_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def is_base60_float(text: str) -> bool:
    return ":" in text and _BASE60_FLOAT.fullmatch(text) is not None


def parse_timestamp(text: str) -> Timestamp | None:
    if len(text) < 5 or not text[:4].isdigit() or text[4] != "-":
        return None
    for pattern in (_STAMP_T, _STAMP_SPACE, _STAMP_DATE):
        match = pattern.fullmatch(text)
        if not match:
            continue
        parts = [int(g) if g and g.isdigit() and i < 6 else g
                 for i, g in enumerate(match.groups())]
        year, month, day = parts[0], parts[1], parts[2]
        hour = minute = second = nanos = offset = 0
        if len(parts) > 3:
            hour, minute, second = parts[3], parts[4], parts[5]
            fraction = match.group(7)
            if fraction:
                nanos = int((fraction + "0" * 9)[:9])
        if pattern is _STAMP_T and match.group(9):
            offset = int(match.group(10)) * 60 + int(match.group(11))
            if match.group(9) == "-":
                offset = -offset
        try:
            return checked_timestamp(year, month, day, hour, minute, second, nanos, offset)
        except ValueFormatError:
            return None
    return None


def _go_parse_int(text: str) -> int | None:
    match = _GO_INT_BASE0.fullmatch(text)
    if not match:
        return None
    sign, body = match.groups()
    lowered = body.lower()
    if lowered.startswith("0x"):
        value = int(body[2:], 16)
    elif lowered.startswith("0o"):
        value = int(body[2:], 8)
    elif lowered.startswith("0b"):
        value = int(body[2:], 2)
    elif body.startswith("0") and len(body) > 1:
        value = int(body[1:], 8)
    else:
        value = int(body)
    return -value if sign == "-" else value


def resolve_plain(text: str) -> tuple[str, object]:
    """(kind, value) of an untagged plain scalar, as go-yaml v3 resolves it."""
    if text in _MAP:
        return _MAP[text]
    first = text[0]
    if first == ".":
        if _DOT_FLOAT.fullmatch(text):
            return FLOAT, float(text)
        return STR, text
    if not (first.isdigit() and first.isascii()) and first not in "+-":
        return STR, text
    stamp = parse_timestamp(text)
    if stamp is not None:
        return TIMESTAMP, stamp
    plain = text.replace("_", "")
    number = _go_parse_int(plain)
    if number is not None and -(2**63) <= number < 2**64:
        if number >= 2**63 and plain.startswith(("+", "-")):
            pass  # ParseUint takes no sign: falls through to float
        else:
            return INT, number
    if _YAML_FLOAT.fullmatch(plain):
        value = float(plain)
        if value not in (float("inf"), float("-inf")):
            return FLOAT, value
    return STR, text


def plain_is_string(text: str) -> bool:
    """Would go-yaml write this string unquoted? (before the emitter's checks)"""
    kind, _ = resolve_plain(text) if text else (NULL, None)
    return kind == STR and not (is_base60_float(text) or text in OLD_BOOLS)


# --- strings every YAML reader takes as strings ----------------------------
#
# The plugin's output is read again by kustomize (go-yaml v3), kpt, kubectl
# (go-yaml v2 through sigs.k8s.io/yaml) and Python tools (PyYAML, YAML 1.1).
# A string any of them could type as something else is quoted.

_PYYAML = yaml.resolver.Resolver()
_PYYAML_STR = "tag:yaml.org,2002:str"
# Anything shaped like a number in some YAML version or Go's strconv:
# decimal, exponent, 0x/0o/0b, leading zeros, underscores, dots, sexagesimal.
_NUMBER_LIKE = re.compile(
    r"[-+]?(?:0[xX][0-9a-fA-F_]*|0[oO][0-7_]*|0[bB][01_]*"
    r"|[0-9][0-9_]*(?::[0-9_]+)*(?:\.[0-9_.]*)?(?:[eE][-+]?[0-9_]*)?"
    r"|\.[0-9][0-9_.]*(?:[eE][-+]?[0-9_]*)?)")
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)")
_RESERVED = frozenset({"=", "<<", "~", ""})


def ambiguous_for_some_reader(text: str) -> bool:
    """Could a YAML 1.1 or 1.2 reader type this plain scalar as a non-string?"""
    if text in _RESERVED or text in OLD_BOOLS or text.lower() in ("null", "true", "false"):
        return True
    if _NUMBER_LIKE.fullmatch(text) or _SPECIAL_FLOAT.fullmatch(text) or is_base60_float(text):
        return True
    if resolve_plain(text)[0] != STR:
        return True
    return _PYYAML.resolve(yaml.ScalarNode, text, (True, False)) != _PYYAML_STR


def plain_is_unambiguous(text: str) -> bool:
    """May this string go out unquoted for every reader (and for go-yaml's emitter)?"""
    return bool(text) and plain_is_string(text) and not ambiguous_for_some_reader(text)
