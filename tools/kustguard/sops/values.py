"""Leaf values of a SOPS tree and the exact text forms sops gives them.

sops is written in Go, so every value it encrypts or feeds into the MAC is
turned into bytes the way Go's `strconv` and `time` packages format them:
floats in shortest form without an exponent, booleans as `True`/`False`,
times as RFC 3339 with trimmed nanoseconds. This module reproduces those
forms; getting one byte wrong would make every MAC check fail.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Comment:
    """A comment line, without its leading `#`."""

    value: str


@dataclass(frozen=True)
class Timestamp:
    """A YAML timestamp, kept as the parts Go's time package would hold."""

    year: int
    month: int
    day: int
    hour: int = 0
    minute: int = 0
    second: int = 0
    nanosecond: int = 0
    offset_minutes: int = 0  # east of UTC; 0 prints as "Z"

    def rfc3339nano(self) -> str:
        text = (f"{self.year:04d}-{self.month:02d}-{self.day:02d}T"
                f"{self.hour:02d}:{self.minute:02d}:{self.second:02d}")
        if self.nanosecond:
            text += "." + f"{self.nanosecond:09d}".rstrip("0")
        if self.offset_minutes == 0:
            return text + "Z"
        sign = "+" if self.offset_minutes > 0 else "-"
        hours, minutes = divmod(abs(self.offset_minutes), 60)
        return f"{text}{sign}{hours:02d}:{minutes:02d}"

    def __str__(self) -> str:
        return self.rfc3339nano()


class ValueFormatError(ValueError):
    """A decrypted or parsed value does not fit its declared type.

    The message never quotes the value: it may be a secret.
    """


# --- Go float formatting -------------------------------------------------

def _shortest_digits(value: float) -> tuple[str, int]:
    """Shortest round-trip digits of |value| and the decimal point position.

    The value equals 0.DIGITS x 10**point. Python's repr and Go's strconv
    both produce the shortest digit string that reads back to the same
    float, so the digits agree.
    """
    text = repr(abs(value))
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    point = len(whole) + (int(exponent) if exponent else 0)
    if not digits:
        return "0", 1
    # Leading zeros stripped from "0.00123" move the point left.
    point -= len(whole + fraction) - len((whole + fraction).lstrip("0"))
    digits = digits.rstrip("0") or "0"
    return digits, point


def _special(value: float, positive_inf: str) -> str | None:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return positive_inf if value > 0 else "-Inf"
    return None


def _fixed(negative: bool, digits: str, point: int) -> str:
    if point <= 0:
        text = "0." + "0" * (-point) + digits
    elif point >= len(digits):
        text = digits + "0" * (point - len(digits))
    else:
        text = digits[:point] + "." + digits[point:]
    if text == "0" and digits == "0":
        text = "0"
    return ("-" if negative else "") + text


def _exponent(negative: bool, digits: str, point: int) -> str:
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exp = point - 1 if digits != "0" else 0
    sign = "-" if exp < 0 else "+"
    return f"{'-' if negative else ''}{mantissa}e{sign}{abs(exp):02d}"


def go_format_float_f(value: float) -> str:
    """strconv.FormatFloat(v, 'f', -1, 64)."""
    special = _special(value, "+Inf")
    if special:
        return special
    digits, point = _shortest_digits(value)
    return _fixed(math.copysign(1.0, value) < 0, digits, point)


def go_format_float_g(value: float) -> str:
    """strconv.FormatFloat(v, 'g', -1, 64)."""
    special = _special(value, "+Inf")
    if special:
        return special
    digits, point = _shortest_digits(value)
    negative = math.copysign(1.0, value) < 0
    exp = point - 1
    if digits != "0" and (exp < -4 or exp >= 6):
        return _exponent(negative, digits, point)
    if digits == "0":
        return "-0" if negative else "0"
    return _fixed(negative, digits, point)


def go_json_float(value: float) -> str:
    """How Go's encoding/json writes a float64."""
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        digits, point = _shortest_digits(value)
        text = _exponent(math.copysign(1.0, value) < 0, digits, point)
        # Go trims "e-07" to "e-7" (only for negative exponents).
        return re.sub(r"e-0(\d)$", r"e-\1", text)
    return go_format_float_f(value)


# --- values as bytes -------------------------------------------------------

def type_name(value: object) -> str:
    """The `type:` sops records for a leaf value."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, Timestamp):
        return "time"
    if isinstance(value, bytes):
        return "bytes"
    if isinstance(value, Comment):
        return "comment"
    return "str"


def str_to_bytes(value: str) -> bytes:
    # Strings that came from bytes that were not UTF-8 round-trip exactly.
    return value.encode("utf-8", "surrogateescape")


def bytes_to_str(value: bytes) -> str:
    return value.decode("utf-8", "surrogateescape")


def to_bytes(value: object) -> bytes:
    """The bytes sops feeds into the MAC (and encrypts) for a leaf value."""
    if isinstance(value, bool):
        return b"True" if value else b"False"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, float):
        return go_format_float_f(value).encode()
    if isinstance(value, Timestamp):
        return value.rfc3339nano().encode()
    if isinstance(value, bytes):
        return value
    if isinstance(value, Comment):
        return str_to_bytes(value.value)
    if isinstance(value, str):
        return str_to_bytes(value)
    raise ValueFormatError(f"cannot convert a {type(value).__name__} to bytes")


_GO_INT = re.compile(r"[+-]?[0-9]+")
_GO_FLOAT = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[Ii]nf(?:inity)?|NaN|nan)")
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))")
_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
          "0": False, "f": False, "F": False, "FALSE": False, "false": False,
          "False": False}


def parse_rfc3339(text: str) -> Timestamp:
    """time.Parse(time.RFC3339, text) as far as sops files need it."""
    match = _RFC3339.fullmatch(text)
    if not match:
        raise ValueFormatError("not an RFC 3339 time")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = match.group(7) or ""
    nanos = int((fraction + "000000000")[:9]) if fraction else 0
    offset = 0
    if match.group(9):
        offset = int(match.group(10)) * 60 + int(match.group(11))
        if match.group(9) == "-":
            offset = -offset
    return checked_timestamp(year, month, day, hour, minute, second, nanos, offset)


def checked_timestamp(year: int, month: int, day: int, hour: int, minute: int,
                      second: int, nanos: int, offset: int) -> Timestamp:
    import calendar

    if not (1 <= month <= 12) or not (1 <= day <= calendar.monthrange(year, month)[1]):
        raise ValueFormatError("date out of range")
    if hour > 23 or minute > 59 or second > 59:
        raise ValueFormatError("time of day out of range")
    return Timestamp(year, month, day, hour, minute, second, nanos, offset)


def from_plaintext(kind: str, plaintext: bytes) -> object:
    """Turn decrypted bytes back into a value of the recorded type."""
    if kind == "str":
        return bytes_to_str(plaintext)
    if kind == "bytes":
        return plaintext
    if kind == "comment":
        return Comment(bytes_to_str(plaintext))
    text = plaintext.decode("ascii", "replace")
    if kind == "int":
        if not _GO_INT.fullmatch(text) or not -(2**63) <= int(text) < 2**63:
            raise ValueFormatError("value of type int does not parse as an integer")
        return int(text)
    if kind == "float":
        if not _GO_FLOAT.fullmatch(text):
            raise ValueFormatError("value of type float does not parse as a number")
        return float(text)
    if kind == "bool":
        if text not in _BOOLS:
            raise ValueFormatError("value of type bool does not parse as a boolean")
        return _BOOLS[text]
    if kind == "time":
        return parse_rfc3339(text)
    raise ValueFormatError(f"unknown value type {kind!r}")
