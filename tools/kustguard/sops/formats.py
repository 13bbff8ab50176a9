"""The four file formats sops stores: YAML, JSON, dotenv and binary.

The format is chosen from the file name as sops does: `.yaml`/`.yml`, `.json`,
`.env`, and binary for anything else (`.ini` is a sops format this plugin
does not read). Each format splits an encrypted file into its data tree and
its `sops` metadata, and writes a decrypted tree back out byte for byte as
`sops decrypt` would.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from kustguard.sops import yamlemit, yamltree
from kustguard.sops.errors import SopsFileError
from kustguard.sops.tree import Branch, Item
from kustguard.sops.values import Comment, Timestamp, bytes_to_str, go_json_float, str_to_bytes

YAML, JSON, DOTENV, BINARY = "yaml", "json", "dotenv", "binary"
METADATA_KEY = "sops"
DOTENV_PREFIX = "sops_"


def format_for_path(path: str) -> str:
    if path.endswith((".yaml", ".yml")):
        return YAML
    if path.endswith(".json"):
        return JSON
    if path.endswith(".env"):
        return DOTENV
    if path.endswith(".ini"):
        raise SopsFileError("INI files are not supported", path,
                            hint="store the secret as YAML, JSON, dotenv or binary")
    return BINARY


@dataclass
class EncryptedFile:
    format: str
    branches: list[Branch]
    metadata: Any  # plain Python data of the `sops` block


def _decode(raw: bytes, path: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SopsFileError("the encrypted file is not UTF-8 text", path) from None


def load_encrypted(raw: bytes, fmt: str, path: str) -> EncryptedFile:
    """Split a sops file into its data tree and its metadata (which must be there)."""
    file = load_tree(raw, fmt, path)
    if file.metadata is None:
        raise SopsFileError("sops metadata not found: this file is not encrypted with sops",
                            path, hint="encrypt it with `sops encrypt`")
    return file


def load_tree(raw: bytes, fmt: str, path: str) -> EncryptedFile:
    """Like `load_encrypted`, but a file without metadata gives `metadata=None`.

    The validator reads every candidate file with this, so that it types
    values exactly as the plugin does.
    """
    text = _decode(raw, path)
    if fmt == YAML:
        branches = yamltree.load_documents(text, path)
        if not branches:
            raise SopsFileError("the file is empty", path)
        file = EncryptedFile(YAML, branches, None)
        _take_metadata(file, path)
        return file
    if fmt in (JSON, BINARY):
        file = EncryptedFile(fmt, [_load_json(text, path)], None)
        _take_metadata(file, path)
        if fmt == BINARY and file.metadata is not None:
            data = file.branches[0].get("data")
            if len(file.branches[0]) != 1 or not isinstance(data, str):
                raise SopsFileError("a sops binary file must hold exactly one 'data' string",
                                    path)
        return file
    if fmt == DOTENV:
        return _load_dotenv(text, path)
    raise SopsFileError(f"unknown format {fmt}", path)


def _take_metadata(file: EncryptedFile, path: str) -> None:
    """Remove the `sops` entry of every document; the first one is the metadata."""
    for index, branch in enumerate(file.branches):
        kept = Branch()
        for item in branch:
            if item.key == METADATA_KEY:
                if index == 0:
                    file.metadata = yamltree.to_python(item.value)
                continue
            kept.append(item)
        file.branches[index] = kept


# --- JSON ----------------------------------------------------------------

def _json_pairs(pairs: list[tuple[str, Any]]) -> Branch:
    branch = Branch()
    seen = set()
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen.add(key)
        branch.append(Item(key, value))
    return branch


def _load_json(text: str, path: str) -> Branch:
    try:
        # sops reads every JSON number as a float64.
        value = json.loads(text, object_pairs_hook=_json_pairs, parse_int=float,
                           parse_constant=_refuse_constant)
    except ValueError as exc:
        raise SopsFileError(f"invalid JSON: {_json_problem(exc)}", path) from None
    except RecursionError:
        raise SopsFileError("invalid JSON: nested too deeply", path) from None
    if not isinstance(value, Branch):
        raise SopsFileError("a JSON file must hold an object for sops", path)
    return value


def _json_problem(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno}"
    return str(exc).split("\n")[0]


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                 "\b": "\\b", "\f": "\\f", "<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_SPECIAL = re.compile('["\\\\\x00-\x1f<>&\u2028\u2029\udc80-\udcff]')


def go_json_string(text: str) -> str:
    def escape(match: re.Match[str]) -> str:
        char = match.group(0)
        if char in _JSON_ESCAPES:
            return _JSON_ESCAPES[char]
        if "\udc80" <= char <= "\udcff":
            return "\\ufffd"  # Go replaces bytes that are not UTF-8
        return f"\\u{ord(char):04x}"

    return '"' + _JSON_SPECIAL.sub(escape, text) + '"'


def json_text(value: Any) -> str:
    """JSON for a tree of Branches or dicts, written as Go's encoder writes it."""
    return _json_value(value, 0)


def _json_value(value: Any, depth: int) -> str:
    if isinstance(value, dict):
        value = Branch(Item(key, child) for key, child in value.items())
    if isinstance(value, yamlemit.Plain):
        return value.text
    if isinstance(value, Branch):
        items = [item for item in value if isinstance(item.key, str)]
        if not items:
            return "{}"
        inner = "\t" * (depth + 1)
        body = ",\n".join(f"{inner}{go_json_string(item.key)}: {_json_value(item.value, depth + 1)}"
                          for item in items)
        return "{\n" + body + "\n" + "\t" * depth + "}"
    if isinstance(value, list):
        entries = [entry for entry in value if not isinstance(entry, Comment)]
        if not entries:
            return "[]"
        inner = "\t" * (depth + 1)
        body = ",\n".join(inner + _json_value(entry, depth + 1) for entry in entries)
        return "[\n" + body + "\n" + "\t" * depth + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise SopsFileError("a JSON value is not a finite number")
        return go_json_float(value)
    if isinstance(value, Timestamp):
        return go_json_string(value.rfc3339nano())
    if isinstance(value, bytes):
        return go_json_string(bytes_to_str(value))
    return go_json_string(str(value))


# --- dotenv --------------------------------------------------------------

def _load_dotenv(text: str, path: str) -> EncryptedFile:
    branch = Branch()
    flat: dict[str, str] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line:
            continue
        if line.startswith("#"):
            branch.append(Item(Comment(line[1:]), None))
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise SopsFileError("invalid dotenv line: no '='", f"{path}:{number}")
        value = value.replace("\\n", "\n")
        if key.startswith(DOTENV_PREFIX):
            flat[key[len(DOTENV_PREFIX):]] = value
        else:
            branch.append(Item(key, value))
    return EncryptedFile(DOTENV, [branch], _unflatten(flat) if flat else None)


_FLAT_TOKEN = re.compile(r"__(map|list)_")


def _unflatten(flat: dict[str, str]) -> dict[str, Any]:
    """Undo sops's flattening of metadata into `a__list_0__map_b` keys."""
    root: dict[str, Any] = {}
    for flat_key, value in flat.items():
        parts = _FLAT_TOKEN.split(flat_key)
        tokens: list[Any] = [parts[0]]
        for kind, name in zip(parts[1::2], parts[2::2]):
            tokens.append(int(name) if kind == "list" and name.isdigit() else name)
        node: Any = root
        for token, following in zip(tokens, tokens[1:] + [None]):
            if following is None:
                _put(node, token, value)
            else:
                child = _get(node, token)
                if child is None:
                    child = [] if isinstance(following, int) else {}
                    _put(node, token, child)
                node = child
    if "mac_only_encrypted" in root:
        root["mac_only_encrypted"] = root["mac_only_encrypted"] == "true"
    return root


def _get(node: Any, token: Any) -> Any:
    if isinstance(node, list):
        return node[token] if isinstance(token, int) and token < len(node) else None
    return node.get(token)


def _put(node: Any, token: Any, value: Any) -> None:
    if isinstance(node, list):
        if not isinstance(token, int) or token > 10_000:
            raise SopsFileError("malformed sops metadata key in dotenv file")
        node.extend([None] * (token + 1 - len(node)))
        node[token] = value
    else:
        node[token] = value


# --- writing decrypted files ---------------------------------------------

def emit_plain(fmt: str, branches: list[Branch]) -> bytes:
    """The bytes `sops decrypt` prints for a decrypted tree."""
    if fmt == YAML:
        return yamlemit.emit_documents(branches).encode("utf-8", "surrogateescape")
    if fmt == JSON:
        return (_json_value(branches[0], 0) + "\n").encode("utf-8", "surrogateescape")
    if fmt == DOTENV:
        lines = []
        for item in branches[0]:
            if isinstance(item.key, Comment):
                lines.append(f"#{item.key.value}\n")
            else:
                value = item.value
                text = value if isinstance(value, str) else str(value)
                lines.append(f"{item.key}={text.replace(chr(10), chr(92) + 'n')}\n")
        return "".join(lines).encode("utf-8", "surrogateescape")
    if fmt == BINARY:
        data = branches[0].get("data")
        return data if isinstance(data, bytes) else str_to_bytes(data or "")
    raise SopsFileError(f"unknown format {fmt}")
