"""The SOPS tree: ordered mappings, lists and leaves, and how sops walks it.

A decrypted file is a list of documents (branches). A branch is an ordered
list of items; an item's key is a string or a `Comment`. Lists hold values
and `Comment`s. The walk order, the rules deciding which leaves are
encrypted, and the MAC over the leaves in that order follow sops exactly.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kustguard.sops import cipher
from kustguard.sops.values import Comment, ValueFormatError, from_plaintext, to_bytes

DEFAULT_UNENCRYPTED_SUFFIX = "_unencrypted"

# sha256("sops"): written first into the MAC when mac_only_encrypted is set,
# so the two MAC flavours never coincide.
MAC_ONLY_ENCRYPTED_INIT = hashlib.sha256(b"sops").digest()


@dataclass
class Item:
    key: str | Comment
    value: Any = None


class Branch(list):
    """An ordered mapping: a list of `Item`s."""

    def get(self, key: str, default: Any = None) -> Any:
        for item in self:
            if item.key == key:
                return item.value
        return default

    def keys(self) -> list[str]:
        return [item.key for item in self if isinstance(item.key, str)]


@dataclass
class EncryptionRules:
    """Which leaves are encrypted, from the file's metadata."""

    unencrypted_suffix: str = ""
    encrypted_suffix: str = ""
    unencrypted_regex: str = ""
    encrypted_regex: str = ""
    unencrypted_comment_regex: str = ""
    encrypted_comment_regex: str = ""
    mac_only_encrypted: bool = False
    _compiled: dict[str, re.Pattern[str]] = field(default_factory=dict, repr=False)

    def _search(self, pattern: str, text: str) -> bool:
        compiled = self._compiled.get(pattern)
        if compiled is None:
            compiled = self._compiled[pattern] = re.compile(pattern)
        return compiled.search(text) is not None

    def should_be_encrypted(self, path: list[str], comments: list[list[str]],
                            is_comment: bool) -> bool:
        encrypted = True
        if self.unencrypted_suffix and any(p.endswith(self.unencrypted_suffix) for p in path):
            encrypted = False
        if self.encrypted_suffix:
            encrypted = any(p.endswith(self.encrypted_suffix) for p in path)
        if self.unencrypted_regex and any(self._search(self.unencrypted_regex, p) for p in path):
            encrypted = False
        if self.encrypted_regex:
            encrypted = any(self._search(self.encrypted_regex, p) for p in path)
        if self.unencrypted_comment_regex:
            if any(self._search(self.unencrypted_comment_regex, c)
                   for level in comments for c in level):
                encrypted = False
        if self.encrypted_comment_regex:
            encrypted = False
            last_level = len(comments) - 1
            for i, level in enumerate(comments):
                for j, text in enumerate(level):
                    # The comment that switches encryption on is itself left
                    # in clear: skip the newest comment when walking one.
                    if is_comment and i == last_level and j == len(level) - 1:
                        continue
                    if self._search(self.encrypted_comment_regex, text):
                        encrypted = True
                        break
                if encrypted:
                    break
        return encrypted


class LeafError(Exception):
    """A leaf failed to decrypt; `path` names where, never what."""

    def __init__(self, message: str, path: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.path = list(path)

    def __str__(self) -> str:
        where = ".".join(self.path) if self.path else "(top level)"
        return f"{where}: {self.message}"


Visitor = Callable[[Any, list[str], list[list[str]]], Any]


def _walk_value(value: Any, path: list[str], comments: list[list[str]],
                visit: Visitor) -> Any:
    if isinstance(value, Branch):
        return _walk_branch(value, path, comments, visit)
    if isinstance(value, list):
        return _walk_list(value, path, comments, visit)
    if value is None:
        return None
    return visit(value, path, comments)


def _walk_list(values: list[Any], path: list[str], comments: list[list[str]],
               visit: Visitor) -> list[Any]:
    comments = comments + [[]]
    out = []
    for value in values:
        is_comment = isinstance(value, Comment)
        if is_comment:
            comments[-1].append(value.value)
        out.append(_walk_value(value, path, comments, visit))
        if not is_comment:
            comments[-1] = []
    return out


def _walk_branch(branch: Branch, path: list[str], comments: list[list[str]],
                 visit: Visitor) -> Branch:
    comments = comments + [[]]
    out = Branch()
    for item in branch:
        if isinstance(item.key, Comment):
            comments[-1].append(item.key.value)
            walked = visit(item.key, path, comments)
            if isinstance(walked, str):
                walked = Comment(walked)
            if not isinstance(walked, Comment):
                raise LeafError("a comment decrypted to a non-comment value", path)
            out.append(Item(walked, None))
            continue
        value_is_comment = isinstance(item.value, Comment)
        if value_is_comment:
            comments[-1].append(item.value.value)
        if not isinstance(item.key, str):
            raise LeafError("only string keys are supported", path)
        out.append(Item(item.key, _walk_value(item.value, path + [item.key], comments, visit)))
        if not value_is_comment:
            comments[-1] = []
    return out


def walk(branches: list[Branch], visit: Visitor) -> list[Branch]:
    return [_walk_branch(branch, [], [], visit) for branch in branches]


def iter_leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Yield (path, leaf) for every non-comment leaf, in document order."""
    if isinstance(value, Branch):
        for item in value:
            if isinstance(item.key, str):
                yield from iter_leaves(item.value, path + (item.key,))
    elif isinstance(value, list):
        for entry in value:
            if not isinstance(entry, Comment):
                yield from iter_leaves(entry, path)
    elif value is not None:
        yield path, value


@dataclass
class DecryptResult:
    branches: list[Branch]
    mac: str


def decrypt_tree(branches: list[Branch], rules: EncryptionRules, data_key: bytes) -> DecryptResult:
    """Decrypt every encrypted leaf and compute the MAC as sops does.

    Raises LeafError on the first leaf that does not authenticate.
    """
    digest = hashlib.sha512()
    if rules.mac_only_encrypted:
        digest.update(MAC_ONLY_ENCRYPTED_INIT)

    def visit(value: Any, path: list[str], comments: list[list[str]]) -> Any:
        is_comment = isinstance(value, Comment)
        encrypted = rules.should_be_encrypted(path, comments, is_comment)
        result = value
        if encrypted:
            additional_data = ":".join(path) + ":"
            if is_comment:
                result = _open_comment(value, data_key, additional_data)
            elif isinstance(value, str):
                result = _open_leaf(value, data_key, additional_data, path)
            else:
                raise LeafError("expected an encrypted value, found a plain "
                                f"{type(value).__name__}", path)
        if (not rules.mac_only_encrypted or encrypted) and not isinstance(result, Comment):
            digest.update(to_bytes(result))
        return result

    decrypted = walk(branches, visit)
    return DecryptResult(decrypted, digest.hexdigest().upper())


def _open_comment(comment: Comment, key: bytes, additional_data: str) -> Comment:
    # sops keeps a comment that does not decrypt: files from old sops
    # versions have clear-text comments. Comments are outside the MAC.
    if not cipher.looks_encrypted(comment.value):
        return comment
    try:
        kind, plaintext = cipher.open_value(comment.value, key, additional_data)
        value = from_plaintext(kind, plaintext)
    except (cipher.CipherError, ValueFormatError):
        return comment
    return value if isinstance(value, Comment) else Comment(str(value))


def _open_leaf(text: str, key: bytes, additional_data: str, path: list[str]) -> Any:
    if text == "":
        return ""  # sops leaves empty strings unencrypted
    try:
        kind, plaintext = cipher.open_value(text, key, additional_data)
        return from_plaintext(kind, plaintext)
    except (cipher.CipherError, ValueFormatError) as exc:
        raise LeafError(str(exc), path) from None


def check_shapes(branches: list[Branch], rules: EncryptionRules) -> None:
    """Without a key: every leaf that should be encrypted is a well-formed ENC[...]."""

    def visit(value: Any, path: list[str], comments: list[list[str]]) -> Any:
        if isinstance(value, Comment):
            return value
        if rules.should_be_encrypted(path, comments, False):
            if not isinstance(value, str):
                raise LeafError("expected an encrypted value, found a plain "
                                f"{type(value).__name__}", path)
            if value != "":
                try:
                    cipher.parse(value)
                except cipher.CipherError as exc:
                    raise LeafError(str(exc), path) from None
        return value

    walk(branches, visit)


def macs_equal(computed: str, stored: str) -> bool:
    return hmac.compare_digest(computed.encode(), stored.encode())
