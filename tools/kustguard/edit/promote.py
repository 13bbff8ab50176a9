"""Promote: set the tag (or digest) an environment runs of an image, or copy
what one environment runs into another, touching only the changed lines.

The pin is written exactly: the fields given are set (newTag, digest) and
the other one is removed, so a stale digest never overrides a new tag.
`newName` is never touched: each environment keeps its registry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kustguard.edit import atomic, imagelock
from kustguard.edit import yamledit as ye
from kustguard.edit.images import ImageEntry, Pin, by_name, check_pin, env_folder, read_env, running
from kustguard.errors import InputError

PIN_FIELDS = (("newTag", "tag"), ("digest", "digest"))
# Where a missing field goes: after the last of these the entry has.
FIELD_ORDER = ("name", "newName", "newTag", "digest")


@dataclass
class Change:
    entry: ImageEntry
    pin: Pin

    def describe(self) -> str:
        return f"{self.entry.where}: {self.entry.name} {self.entry.pin} -> {self.pin}"


@dataclass
class Plan:
    env: str
    source_env: str | None = None
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lock_problems: list[str] = field(default_factory=list)
    # snapshot -> new text, for every file that changes
    files: dict[atomic.Snapshot, str] = field(default_factory=dict)

    @property
    def images(self) -> list[str]:
        return sorted({c.entry.name for c in self.changes})

    def commit_message(self) -> str:
        origin = f" from {self.source_env}" if self.source_env else ""
        names = self.images
        if len(names) == 1:
            pin = self.changes[0].pin
            subject = f"chore({self.env}): promote {names[0]} to {pin.short}{origin}"
        else:
            subject = f"chore({self.env}): promote {len(names)} images{origin}"
        body = "\n".join(f"- {c.entry.snapshot.display}: {c.entry.name} {c.entry.pin} -> {c.pin}"
                         for c in self.changes)
        return f"{subject}\n\n{body}\n"


# ---------------------------------------------------------------- text edits of one entry

def _value_text(pin_value: str, old: ye.Node | None, flow: bool) -> str:
    style = old.style if isinstance(old, ye.Scalar) and old.style in ("'", '"') else None
    return ye.scalar_text(pin_value, style, flow=flow)


def _insert_after(text: str, node: ye.Mapping, after: ye.Pair, key: str, value: str) -> ye.Splice:
    nl = ye.newline_of(text)
    if node.flow:
        return ye.Splice(after.value.end, after.value.end, f", {key}: {value}")
    at = ye.last_line_after(text, after.value)
    col = ye.column(text, node.items[0].key.start)
    prefix = nl if at == len(text) and not text.endswith("\n") else ""
    return ye.Splice(at, at, f"{prefix}{' ' * col}{key}: {value}{nl}")


def _remove(text: str, node: ye.Mapping, pair: ye.Pair, display: str) -> ye.Splice:
    if node.flow:
        index = node.items.index(pair)
        if index > 0:
            return ye.Splice(node.items[index - 1].value.end, pair.value.end, "")
        if len(node.items) > 1:
            return ye.Splice(pair.key.start, node.items[1].key.start, "")
        return ye.Splice(pair.key.start, pair.value.end, "")
    if not ye.starts_its_line(text, pair.key.start):
        raise ye.CannotRewrite(f"cannot remove {pair.key.value} without rewriting its line",
                               display, ye.line_number(text, pair.key.start),
                               "move it below the entry's first field, or edit by hand")
    return ye.Splice(ye.line_start(text, pair.key.start), ye.last_line_after(text, pair.value), "")


def entry_splices(text: str, entry: ImageEntry, pin: Pin) -> list[ye.Splice]:
    node = entry.node
    splices = []
    for key, attr in PIN_FIELDS:
        want = getattr(pin, attr)
        pair = node.get(key)
        if want is None:
            if pair is not None:
                splices.append(_remove(text, node, pair, entry.snapshot.display))
            continue
        if pair is not None:
            if ye.scalar_value(pair.value) == want:
                continue
            value = pair.value
            start = value.text_start if isinstance(value, ye.Scalar) else value.start
            splices.append(ye.Splice(start, value.end, _value_text(want, value, node.flow)))
            continue
        order = FIELD_ORDER[:FIELD_ORDER.index(key)]
        before = [p for p in node.items if isinstance(p.key, ye.Scalar) and p.key.value in order]
        after = before[-1] if before else node.items[-1]
        splices.append(_insert_after(text, node, after, key, _value_text(want, None, node.flow)))
    return splices


def _expected(data: dict, entries: list[tuple[ImageEntry, Pin]]) -> dict:
    import copy

    data = copy.deepcopy(data)
    for entry, pin in entries:
        item = data["images"][entry.index]
        for key, attr in PIN_FIELDS:
            want = getattr(pin, attr)
            if want is None:
                item.pop(key, None)
            else:
                item[key] = want
    return data


def _render_files(plan: Plan) -> None:
    per_file: dict[atomic.Snapshot, list[Change]] = {}
    for change in plan.changes:
        per_file.setdefault(change.entry.snapshot, []).append(change)
    for snapshot, changes in per_file.items():
        text = snapshot.text
        splices = [s for c in changes for s in entry_splices(text, c.entry, c.pin)]
        new_text = ye.apply(text, splices)
        expected = _expected(ye.plain_data(text, snapshot.display),
                             [(c.entry, c.pin) for c in changes])
        ye.check_result(new_text, expected, snapshot.display,
                        "setting " + ", ".join(sorted({c.entry.name for c in changes})))
        plan.files[snapshot] = new_text


# ---------------------------------------------------------------- plans

def _check_lock(repo_root: Path, plan: Plan) -> None:
    folder = env_folder(repo_root, plan.env)
    lock = imagelock.load(folder, (folder / imagelock.LOCK_FILE).relative_to(repo_root).as_posix())
    if lock is None:
        return
    for image in plan.images:
        pin = next(c.pin for c in plan.changes if c.entry.name == image)
        problem = lock.problem(image, pin)
        if problem:
            plan.lock_problems.append(problem)


def _no_entry(image: str, env: str) -> InputError:
    return InputError(f"no images: entry named {image!r} under overlays/{env}",
                      hint=f"add '- name: {image}' to the images: of the kustomization that "
                           "deploys it, or check the name (the image as the base names it)")


def plan_set(repo_root: Path, env: str, image: str, pin: Pin) -> Plan:
    """Set `image` in `env` to `pin`, in every entry that names it."""
    check_pin(pin)
    if pin.empty:
        raise InputError("give --tag, --digest or both")
    entries = by_name(read_env(repo_root, env)).get(image)
    if not entries:
        raise _no_entry(image, env)
    plan = Plan(env)
    plan.changes = [Change(e, pin) for e in entries if e.pin != pin]
    if not plan.changes:
        plan.notes.append(f"{env} already runs {image} {pin}")
    _check_lock(repo_root, plan)
    _render_files(plan)
    return plan


def plan_copy(repo_root: Path, source: str, env: str, images: list[str]) -> Plan:
    """Copy what `source` runs into `env`: for `images`, or every image both
    environments set whose pin differs."""
    if source == env:
        raise InputError("--from and --to name the same environment")
    source_entries = by_name(read_env(repo_root, source))
    target_entries = by_name(read_env(repo_root, env))
    plan = Plan(env, source_env=source)
    for image in images or sorted(source_entries):
        if image not in source_entries:
            raise _no_entry(image, source)
        try:
            pin = running(source, source_entries[image])
        except InputError as exc:
            if images:
                raise
            plan.notes.append(f"{exc}; skipped")
            continue
        if pin.empty:
            if images:
                raise InputError(f"{source} sets no tag or digest for {image}",
                                 source_entries[image][0].where)
            continue
        check_pin(pin)
        if image not in target_entries:
            if images:
                raise _no_entry(image, env)
            plan.notes.append(f"{image}: {source} sets it, {env} has no images: entry; skipped")
            continue
        changes = [Change(e, pin) for e in target_entries[image] if e.pin != pin]
        if not changes:
            plan.notes.append(f"{env} already runs {image} {pin}")
        plan.changes += changes
    _check_lock(repo_root, plan)
    _render_files(plan)
    return plan
