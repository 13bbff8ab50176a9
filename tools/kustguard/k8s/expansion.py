"""The kubelet's `$(VAR)` expansion of command, args and env values, written once.

As the kubelet does it: `$(NAME)` is replaced by NAME's value when NAME is
known and left as written when it is not; `$$` is an escaped `$`; a `$`
before anything else, or a `$(` never closed, stays as it is. NAME is
whatever stands between the parentheses.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Expansion:
    text: str
    # Names referenced with $(NAME) that the lookup did not know, in order.
    unresolved: list[str] = field(default_factory=list)


def expand(text: str, lookup: Callable[[str], str | None]) -> Expansion:
    out: list[str] = []
    unresolved: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char != "$" or i + 1 >= n:
            out.append(char)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
            continue
        if nxt == "(":
            close = text.find(")", i + 2)
            if close == -1:
                out.append(text[i:])
                break
            name = text[i + 2:close]
            value = lookup(name)
            if value is None:
                unresolved.append(name)
                out.append(text[i:close + 1])
            else:
                out.append(value)
            i = close + 1
            continue
        out.append(char)
        i += 1
    return Expansion("".join(out), unresolved)


def references(text: str) -> list[str]:
    """Every NAME of a $(NAME) the kubelet would look up ($$ escapes one)."""
    return expand(text, lambda _name: None).unresolved
