"""A faster parse for plain YAML, giving exactly what the strict loader gives.

ryaml (Rust) builds the same Python objects about four times faster than
PyYAML's libyaml loader (docs/bench.md has the measurement). It follows YAML
1.2, PyYAML (like the API server's YAML 1.1 reader) does not: `yes`, `on`,
`0o17`, `017`, `1e3`, `1_000`, timestamps and anchors differ. So it is used
only for text that holds none of them, which a few regular expressions over
the whole text decide at C speed; anything else, and anything ryaml refuses
(duplicate keys, bad syntax), goes through the strict PyYAML loader, which
also makes the error message. tests/foundation/test_fastyaml.py compares the
two on every YAML file of the repository and on generated tricky scalars.
"""
from __future__ import annotations

import re
from typing import Any

try:
    import ryaml
except ImportError:  # pragma: no cover - a pinned dependency; fall back quietly
    ryaml = None

# Features this path leaves to PyYAML: anchors, aliases, tags, merge keys,
# directives, document end markers, complex keys, tabs (which the two
# readers accept differently). Literal tests first; a regex only if needed.
_NODE_PROPERTY = re.compile(r"(?:^|[\s\[{,])[&*!][^\s,\]}]", re.MULTILINE)
_COMPLEX_KEY = re.compile(r"(?:^|[\s\[{,])\?[ \t]", re.MULTILINE)


def _has_features(text: str) -> bool:
    if "\t" in text or "<<" in text or "\n%" in text or text.startswith(("%", "...")) \
            or "\n..." in text:
        return True
    if ("&" in text or "*" in text or "!" in text) and _NODE_PROPERTY.search(text):
        return True
    return "?" in text and _COMPLEX_KEY.search(text) is not None


# A plain scalar that YAML 1.1 and 1.2 could read differently: booleans that
# only 1.1 has, and anything number- or date-like that is not a simple
# integer (up to 18 digits) or decimal. Candidates are the plain scalars that
# start like one, after `: `, `- `, a line's indentation or a flow bracket
# (found by literal-led expressions, fast); each distinct one is then judged.
_START = r"[-+.0-9yYnNoO=]"
_CANDIDATES = (
    re.compile(rf": +({_START}[^\n]*)"),
    re.compile(rf"- +({_START}[^\n]*)"),
    re.compile(rf"(?:^|\n)[ \t]*({_START}[^\n]*)"),
    re.compile(rf"[\[{{,] *({_START}[^,\]}}\n]*)"),
)
_AMBIGUOUS = re.compile(
    r"(?:=|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF"
    r"|[-+]?\.?[0-9][0-9a-fA-FxXoO_.:+\-tTzZ ]*|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN))")
_SIMPLE_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]{0,17})(?:\.[0-9]+)?")


def _ambiguous(candidate: str) -> bool:
    # Up to a comment or, inside a flow collection, the next item: cutting
    # short can only flag more, never hide an ambiguous scalar.
    token = re.split(r" #|[,\]}]", candidate, maxsplit=1)[0].strip()
    key, colon, _ = token.partition(": ")
    if colon or token.endswith(":"):
        token = (key if colon else token[:-1]).rstrip()
    return bool(_AMBIGUOUS.fullmatch(token)) and not _SIMPLE_NUMBER.fullmatch(token)


def _has_ambiguous_scalars(text: str) -> bool:
    candidates: set[str] = set()
    for expression in _CANDIDATES:
        candidates.update(expression.findall(text))
    return any(_ambiguous(c) for c in candidates)


_SEPARATOR = re.compile(r"^---(?:[ \t]|$)", re.MULTILINE)
_CONTENT = re.compile(r"^[ \t]*[^\s#]", re.MULTILINE)


def applies(text: str) -> bool:
    """Whether `text` is plain enough for the fast path."""
    return ryaml is not None and not _has_features(text) and not _has_ambiguous_scalars(text)


def load_all(text: str) -> list[tuple[int, int, Any]] | None:
    """(document index, first line, object) of each document, as the strict
    loader yields them; None when the fast path does not apply or the text
    is not valid for it (the caller then uses the strict loader)."""
    if not applies(text):
        return None
    try:
        objects = ryaml.loads_all(text)
    except Exception:  # noqa: BLE001 - any refusal: the strict loader decides and explains
        return None
    if objects is None:  # nothing but comments and blank lines
        objects = []
    lines = _document_lines(text)
    if not isinstance(objects, list) or len(lines) != len(objects):
        return None
    return [(i, line, obj) for i, (line, obj) in enumerate(zip(lines, objects)) if obj is not None]


def _document_lines(text: str) -> list[int]:
    """First content line of each document, counting as PyYAML does: the
    text before the first `---` is a document only if it has content."""
    starts = [m.start() for m in _SEPARATOR.finditer(text)]
    bounds = [(0, starts[0] if starts else len(text))]
    bounds += [(s, e) for s, e in zip(starts, starts[1:] + [len(text)])]
    out = []
    counted_to, line = 0, 1  # newlines are counted once, moving forward

    def line_at(pos: int) -> int:
        nonlocal counted_to, line
        line += text.count("\n", counted_to, pos)
        counted_to = pos
        return line

    for number, (start, end) in enumerate(bounds):
        explicit = number > 0
        content = _CONTENT.search(text, start + 3 if explicit else start, end)
        if content is None:
            if explicit:  # `---` with nothing after it: a null document
                out.append(line_at(start))
            continue
        marker_line = line_at(start)
        content_line = line_at(content.start())
        out.append(marker_line if explicit and content_line == marker_line else content_line)
    return out
