"""The `.sops.yaml` creation rules and the recipients policy built on them.

sops picks the first creation rule whose `path_regex` matches a file's path
relative to the directory holding `.sops.yaml` (a rule without `path_regex`
matches every path). A file is trusted only if its age recipients are
exactly the ones that rule names: an extra recipient means someone else can
read the secret; a missing one means a holder of the rule's key cannot.

The plugin and the validator share this module, so both judge a file the
same way.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kustguard.errors import InputError
from kustguard.sops import yamlread

CONFIG_NAMES = (".sops.yaml", ".sops.yml")
MAX_CONFIG_BYTES = 1 << 20


@dataclass(frozen=True)
class CreationRule:
    index: int
    rule: Mapping[str, Any]

    @property
    def path_regex(self) -> str:
        value = self.rule.get("path_regex")
        return value if isinstance(value, str) else ""

    @property
    def age_recipients(self) -> frozenset[str]:
        found = set(_split_keys(self.rule.get("age")))
        groups = self.rule.get("key_groups")
        for group in groups if isinstance(groups, list) else []:
            if isinstance(group, Mapping):
                found.update(_split_keys(group.get("age")))
        return frozenset(found)

    def matches(self, relative_path: str) -> bool:
        if not self.path_regex:
            return True
        try:
            return re.search(self.path_regex, relative_path) is not None
        except re.error:
            return False

    def describe(self) -> str:
        where = f"path_regex {self.path_regex!r}" if self.path_regex else "no path_regex"
        return f"creation rule {self.index + 1} ({where})"


def _split_keys(value: Any) -> list[str]:
    if isinstance(value, str):
        return [k.strip() for k in value.replace("\n", ",").split(",") if k.strip()]
    if isinstance(value, list):
        return [k.strip() for k in value if isinstance(k, str) and k.strip()]
    return []


def rules_from(document: Any) -> list[CreationRule]:
    """The creation rules of a parsed `.sops.yaml` document."""
    rules = document.get("creation_rules") if isinstance(document, Mapping) else None
    return [CreationRule(i, rule) for i, rule in enumerate(rules if isinstance(rules, list) else [])
            if isinstance(rule, Mapping)]


def matching_rule(rules: Iterable[CreationRule], relative_path: str) -> CreationRule | None:
    """The rule sops applies to a path relative to the `.sops.yaml` folder."""
    return next((rule for rule in rules if rule.matches(relative_path)), None)


def find_config(file: Path, stop: Path | None = None) -> Path | None:
    """The nearest `.sops.yaml` in the file's folder or above (up to `stop`)."""
    folder = file.parent
    while True:
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
        if folder == stop or folder.parent == folder:
            return None
        folder = folder.parent


@dataclass(frozen=True)
class RecipientsVerdict:
    """How a file's recipients compare with its creation rule."""

    rule: CreationRule | None
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.rule is not None and not self.missing and not self.extra

    def problem(self) -> str:
        if self.rule is None:
            return "no creation rule matches it"
        parts = []
        if self.missing:
            parts.append(f"missing {', '.join(self.missing)}")
        if self.extra:
            parts.append(f"not in the rule: {', '.join(self.extra)}")
        return f"its age recipients differ from {self.rule.describe()}: {'; '.join(parts)}"


def judge(rules: Iterable[CreationRule], relative_path: str,
          recipients: Iterable[str]) -> RecipientsVerdict:
    rule = matching_rule(rules, relative_path)
    if rule is None:
        return RecipientsVerdict(None)
    have = frozenset(r.strip() for r in recipients)
    want = rule.age_recipients
    return RecipientsVerdict(rule, tuple(sorted(want - have)), tuple(sorted(have - want)))


def load_rules(config: Path) -> list[CreationRule]:
    """The creation rules of a `.sops.yaml` file (InputError naming it if unreadable)."""
    try:
        with config.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read it: {exc.strerror or type(exc).__name__}",
                         config) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise InputError("the file is larger than 1 MiB", config)
    return rules_from(yamlread.load_single(raw.decode("utf-8", "replace"), str(config)))


def judge_file(real: Path, recipients: Iterable[str],
               cache: dict[Path, list[CreationRule]] | None = None,
               stop: Path | None = None) -> tuple[Path, RecipientsVerdict] | None:
    """The nearest `.sops.yaml` for a (resolved) file and the verdict on its recipients.

    The search goes up from the file's folder (no higher than `stop`). None
    when no `.sops.yaml` is found: there is nothing to compare with.
    """
    config = find_config(real, stop)
    if config is None:
        return None
    cache = {} if cache is None else cache
    if config not in cache:
        cache[config] = load_rules(config)
    folder = config.parent.resolve()
    relative = real.relative_to(folder).as_posix() if folder in real.parents else real.as_posix()
    return config, judge(cache[config], relative, recipients)
