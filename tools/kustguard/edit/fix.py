"""Fix: migrate deprecated kustomization fields, proven not to change the output.

The text rewrite is `migrate.migrate` (comments kept). Before anything is
written, every entry point that loads an edited file is rendered by the
pinned kustomize twice, on a copy of what it loads: once as it is and once
with the edits. The objects must be identical, one by one; if any differ,
or either side does not render, nothing is written.

For hooks: `deprecations(path)` lists what a file still uses and
`fix_command(path)` is the command line that migrates it.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

from kustguard.edit import atomic
from kustguard.edit import yamledit as ye
from kustguard.edit.equivalence import Comparison, compare
from kustguard.edit.migrate import FIXABLE, MANUAL, migrate
from kustguard.edit.sandbox import Sandbox, affected_targets, relative, renderer_for
from kustguard.discover import discover
from kustguard.errors import InputError
from kustguard.kustomization import dependencies, find_kustomization


@dataclass(frozen=True)
class Deprecation:
    field: str
    line: int
    replacement: str
    automatic: bool  # `kustguard fix` rewrites it; otherwise a person must


def deprecations(path: str | Path) -> list[Deprecation]:
    """The deprecated fields a kustomization file uses, with their lines."""
    path = Path(path)
    text = atomic.read(path, str(path)).text
    root = ye.locate(text, str(path))
    if not isinstance(root, ye.Mapping):
        return []
    out = []
    for name, replacement in {**FIXABLE, **MANUAL}.items():
        pair = root.get(name)
        if pair is not None:
            out.append(Deprecation(name, ye.line_number(text, pair.key.start), replacement,
                                   name in FIXABLE))
    return out


def fix_command(path: str | Path) -> str:
    """The exact command that migrates `path`'s deprecated fields (run from
    the folder `path` is relative to); add --dry-run to only see the diff."""
    return f"kustguard fix {shlex.quote(str(path))}"


@dataclass
class FileFix:
    snapshot: atomic.Snapshot
    new_text: str
    fixed: list[str]


@dataclass
class FixPlan:
    files: list[FileFix] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)  # "file:line: vars ..." notes
    comparisons: list[Comparison] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def equivalent(self) -> bool:
        return all(c.equivalent for c in self.comparisons)

    def commit_message(self) -> str:
        fields = sorted({f for ff in self.files for f in ff.fixed})
        where = (self.files[0].snapshot.display if len(self.files) == 1
                 else f"{len(self.files)} kustomizations")
        body = "\n".join(f"- {ff.snapshot.display}: {', '.join(ff.fixed)}" for ff in self.files)
        return (f"chore(kustomize): migrate {', '.join(fields)} in {where}\n\n{body}\n"
                "Rendered output checked identical before and after.\n")


def deployed_kustomizations(repo_root: Path) -> tuple[list[Path], list[str]]:
    """Every kustomization file an entry point loads, and warnings for the
    entry points whose files cannot be read."""
    found: set[Path] = set()
    warnings = []
    for entry in discover(repo_root):
        try:
            folders = dependencies(entry.path).folders
        except InputError as exc:
            warnings.append(f"{entry.name}: skipped, cannot read what it loads: {exc}")
            continue
        found |= {k for k in map(find_kustomization, folders) if k is not None}
    return sorted(found), warnings


def kustomization_paths(args: list[str], cwd: Path) -> list[Path]:
    """Kustomization files named by `args` (files or folders)."""
    out = []
    for raw in args:
        path = Path(raw) if Path(raw).is_absolute() else cwd / raw
        if path.is_dir():
            found = find_kustomization(path)
            if found is None:
                raise InputError("no kustomization.yaml here", raw,
                                 hint="name a kustomization file or its folder")
            path = found
        elif not path.is_file():
            raise InputError("no such file or folder", raw)
        out.append(path.resolve())
    return out


def plan_fix(repo_root: Path, paths: list[Path] | None = None) -> FixPlan:
    """The rewrites of every given file (default: every deployed kustomization)
    and the proof they change nothing."""
    repo_root = repo_root.resolve()
    plan = FixPlan()
    if paths is None:
        paths, plan.warnings = deployed_kustomizations(repo_root)
    for path in sorted({p.resolve() for p in paths}):
        snapshot = atomic.read(path, relative(repo_root, path))
        result = migrate(snapshot.text, snapshot.display)
        for name, line in result.manual:
            plan.manual.append(f"{snapshot.display}:{line}: {name} needs a person: rewrite it "
                               f"as {MANUAL[name]} (kustomize has no faithful automatic migration)")
        if result.fixed:
            plan.files.append(FileFix(snapshot, result.text, result.fixed))
    if plan.files:
        plan.comparisons, warnings = prove_equivalent(repo_root, plan.files)
        plan.warnings += warnings
    return plan


def prove_equivalent(repo_root: Path, files: list[FileFix]) -> tuple[list[Comparison], list[str]]:
    edited = [f.snapshot.path for f in files]
    targets, warnings = affected_targets(repo_root, edited)
    comparisons = []
    rendered: set[Path] = set()
    for target in targets:
        rendered |= dependencies(target.path).files
    for f in files:
        if f.snapshot.path.resolve() not in rendered:
            comparisons.append(Comparison(f.snapshot.display,
                                          error="no entry point renders it, so the rewrite "
                                                "cannot be proven equivalent"))
    if not targets:
        return comparisons, warnings
    renderer = renderer_for(repo_root)
    with Sandbox(repo_root, targets) as sandbox:
        before = sandbox.render(renderer)
        for f in files:
            sandbox.write(f.snapshot.display, f.new_text.encode("utf-8"))
        after = sandbox.render(renderer)
    comparisons += [compare(b, a) for b, a in zip(before, after)]
    return comparisons, [w for w in warnings if "no entry point renders" not in w]


def write(plan: FixPlan) -> None:
    atomic.replace_all([(f.snapshot, f.new_text.encode("utf-8")) for f in plan.files])
