"""A throwaway copy of what some entry points load, to render an edit before writing it.

Every file the affected entry points load (kustomization.dependencies) is
copied to a temporary folder at the same repo-relative path, so rendered
objects name the same source files as in the repository. The repository's
other top-level entries (settings, schemas, tools) are linked, not copied.
Kustomize's load restrictor refuses symlinked kustomization files, hence the
copies.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kustguard.discover import Entry, discover
from kustguard.errors import InputError
from kustguard.kustomization import dependencies, find_kustomization, read_kustomization
from kustguard.toolchain import Renderer, find_renderer, tool_env

NOT_LINKED = {".git", ".venv", ".pytest_cache", ".hypothesis"}
RENDER_TIMEOUT_S = 300


def relative(repo_root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        raise InputError("is outside the repository", path,
                         hint="edit only files inside the repository") from None


def affected_targets(repo_root: Path, edited: list[Path]) -> tuple[list[Entry], list[str]]:
    """Entry points that load any edited file, plus the edited kustomization
    folders no entry point loads (rendered on their own).

    Returns (targets, warnings); an entry point whose dependencies cannot be
    read is skipped with a warning.
    """
    edited_set = {p.resolve() for p in edited}
    targets: list[Entry] = []
    warnings: list[str] = []
    covered: set[Path] = set()
    for entry in discover(repo_root):
        try:
            files = dependencies(entry.path).files
        except InputError as exc:
            warnings.append(f"{entry.name}: skipped, cannot read what it loads: {exc}")
            continue
        hit = edited_set & files
        if hit:
            targets.append(entry)
            covered |= hit
    for path in sorted(edited_set - covered):
        folder = path.parent
        if find_kustomization(folder) == path and read_kustomization(path).get("kind") != "Component":
            targets.append(Entry(relative(repo_root, folder), folder))
        else:
            warnings.append(f"{relative(repo_root, path)}: no entry point renders it")
    return targets, warnings


def renderer_for(repo_root: Path) -> Renderer:
    renderer = find_renderer(repo_root)
    if renderer is None:
        raise InputError("neither kustomize nor kubectl is installed",
                         hint="run 'kustguard tools install' to install the pinned kustomize")
    return renderer


@dataclass
class Rendered:
    target: str
    ok: bool
    text: str = ""
    error: str = ""


class Sandbox:
    """Use as a context manager; `root` mirrors the repository for `targets`."""

    def __init__(self, repo_root: Path, targets: list[Entry]) -> None:
        self.repo_root = repo_root.resolve()
        self.targets = targets
        self._tmp = tempfile.TemporaryDirectory(prefix="kustguard-edit-")
        self.root = Path(self._tmp.name) / "repo"

    def __enter__(self) -> "Sandbox":
        self.root.mkdir()
        files: set[Path] = set()
        for target in self.targets:
            files |= dependencies(target.path).files
        copied_tops = set()
        for path in sorted(files):
            rel = relative(self.repo_root, path)
            copied_tops.add(rel.split("/", 1)[0])
            dest = self.root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
        for child in self.repo_root.iterdir():
            if child.name in NOT_LINKED or child.name in copied_tops:
                continue
            (self.root / child.name).symlink_to(child, target_is_directory=child.is_dir())
        return self

    def __exit__(self, *exc) -> None:
        self._tmp.cleanup()

    @property
    def scratch(self) -> Path:
        """A private folder for caches and wrappers, outside the mirrored tree."""
        folder = Path(self._tmp.name) / "scratch"
        folder.mkdir(exist_ok=True)
        return folder

    def write(self, rel: str, data: bytes) -> None:
        (self.root / rel).write_bytes(data)

    def entries(self) -> list[Entry]:
        return [Entry(t.name, self.root / relative(self.repo_root, t.path)) for t in self.targets]

    def render(self, renderer: Renderer) -> list[Rendered]:
        """Plain `kustomize build` of every target (no origin annotations)."""
        env = tool_env(self.repo_root, shape_only=True)
        out = []
        for entry in self.entries():
            try:
                proc = subprocess.run([*renderer.argv, str(entry.path)], capture_output=True,
                                      env=env, timeout=RENDER_TIMEOUT_S, cwd=self.root)
            except subprocess.TimeoutExpired:
                out.append(Rendered(entry.name, False, error=f"took over {RENDER_TIMEOUT_S}s"))
                continue
            if proc.returncode != 0:
                lines = [ln.strip() for ln in proc.stderr.decode("utf-8", "replace").splitlines()
                         if ln.strip() and not ln.startswith("# Warning")]
                out.append(Rendered(entry.name, False, error=lines[-1] if lines else "failed"))
            else:
                out.append(Rendered(entry.name, True, proc.stdout.decode("utf-8", "replace")))
        return out
