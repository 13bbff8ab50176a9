"""Entry points' dependencies kept between hook runs, and rebuilt when a file they name changes."""
from __future__ import annotations

import os

import pytest

from kustguard.hooks import depcache
from kustguard.hooks.affected import affected_entries
from kustguard.hooks.depcache import DependencyCache, cache_file
from kustguard.kustomization import dependencies
from kustguard.pipeline import cache_dir

FILES = {
    "overlays/a/kustomization.yaml": "resources: [../../base/app]\n",
    "base/app/kustomization.yaml": "resources: [cm.yaml]\n",
    "base/app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    "base/new/kustomization.yaml": "resources: [cm.yaml]\n",
    "base/new/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n}\n",
}


def no_reading(*args, **kwargs):
    raise AssertionError("dependencies() was called: the cache was not used")


def test_an_unchanged_repository_is_answered_from_the_cache(make_repo, monkeypatch):
    root = make_repo(FILES)
    first = affected_entries(root, ["base/app/cm.yaml"])
    monkeypatch.setattr(depcache, "dependencies", no_reading)
    again = affected_entries(root, ["base/app/cm.yaml"])
    assert [e.name for e in again.affected] == [e.name for e in first.affected] == ["overlays/a"]


def test_the_cache_gives_what_dependencies_gives(make_repo):
    root = make_repo(FILES)
    entry = root / "overlays/a"
    first = DependencyCache(root)
    first.dependencies(entry)
    first.save()
    cache = DependencyCache(root)
    cache.dependencies(entry)
    assert not cache.changed
    assert cache.dependencies(entry) == dependencies(entry)


def test_an_edited_kustomization_is_read_again(make_repo):
    root = make_repo(FILES)
    assert affected_entries(root, ["base/new/cm.yaml"]).affected == []
    (root / "overlays/a/kustomization.yaml").write_text("resources: [../../base/app, ../../base/new]\n")
    assert [e.name for e in affected_entries(root, ["base/new/cm.yaml"]).affected] == ["overlays/a"]


def test_a_file_added_to_a_kustomization_folder_is_seen(make_repo):
    root = make_repo(FILES)
    affected_entries(root, [])
    affected_entries(root, ["base/app/cm.yaml"])
    (root / "base/app/extra.yaml").write_text("kind: ConfigMap\n")
    assert [e.name for e in affected_entries(root, ["base/app/extra.yaml"]).affected] == ["overlays/a"]


def test_a_damaged_cache_file_is_ignored(make_repo):
    root = make_repo(FILES)
    path = cache_file(root)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert [e.name for e in affected_entries(root, ["base/app/cm.yaml"]).affected] == ["overlays/a"]
    assert '"format": 1' in path.read_text()


@pytest.mark.parametrize("from_env", [False, True])
def test_it_lives_in_the_validators_cache_folder(make_repo, tmp_path, monkeypatch, from_env):
    root = make_repo(FILES)
    if from_env:
        monkeypatch.setenv("KUSTGUARD_CACHE_DIR", str(tmp_path / "elsewhere"))
    else:
        monkeypatch.delenv("KUSTGUARD_CACHE_DIR", raising=False)
    assert cache_file(root).parent.parent == cache_dir(root)
    assert os.fspath(cache_file(root)).endswith(os.path.join("hooks", "dependencies.json"))
