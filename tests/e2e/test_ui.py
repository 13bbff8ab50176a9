"""Scenario 7: the Argo CD web UI, in a real browser (headless Chromium).

What a person sees, on the deployment the GitOps scenarios left Synced and
Healthy (alone, these tests bootstrap it and wait for the first sync):

- logged in as admin, the applications list groups the component apps by
  their ``kustguard.io/component`` label, and the root app's tree shows each
  of them with its health;
- each app's ``link.argocd.argoproj.io/*`` links open where docs/argocd.md says;
- Sync then Synchronize on ``k3d-todo`` ends Synced and Healthy on the page,
  and the API shows the operation the click started;
- a pushed commit that breaks a manifest shows as the app's error condition;
- a control: with the component label renamed in the pushed Applications,
  the check of the first scenario fails.

Screenshots of the tree and of the synced app are kept with the control
plane's logs; with KUSTGUARD_E2E_SCREENSHOTS=<folder> (``make
e2e-screenshots``) they are also written there, for the README.
"""
from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
import yaml
from argocd_ui import ArgoCDUI
from e2e_project import REPO_ROOT, GitRemote, argocd_session
from kustguard_e2e.controlplane import ControlPlane
from test_gitops import deploy_revision, see_revision

from kustguard.argocd import ArgoCD, wait_for

pytestmark = pytest.mark.e2e

ROOT_APP = "k3d"
COMPONENT_LABEL = "kustguard.io/component"
FIRST_SYNC_TIMEOUT = 900.0
UI_TIMEOUT = 120.0
SCREENSHOTS_ENV = "KUSTGUARD_E2E_SCREENSHOTS"
TREE_SCREENSHOT = "argocd-ui-app-tree.png"
SYNCED_SCREENSHOT = "argocd-ui-synced-app.png"
TREE_SCREENSHOT_HEIGHT = 1400  # the root app and a dozen children
DOCS = REPO_ROOT / "docs" / "argocd.md"


# -- what the repository says ------------------------------------------------------------
def component_apps(work: Path) -> dict[str, str]:
    """Application name -> component (the overlays/k3d/<component> folder it
    syncs), for each Application the root app syncs at the remote's head."""
    folder = work / "argocd" / "applications" / "k3d"
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    apps = {}
    for rel in kustomization["resources"]:
        for doc in yaml.safe_load_all((folder / rel).read_text()):
            if doc and doc.get("kind") == "Application":
                apps[doc["metadata"]["name"]] = Path(doc["spec"]["source"]["path"]).name
    assert apps, f"no Application in {folder}"
    return apps


def documented_links(doc: Path = DOCS) -> dict[str, list[str]]:
    """App -> the links docs/argocd.md's "Links in the UI" table gives it."""
    text = doc.read_text()
    section = text.split("### Links in the UI", 1)
    assert len(section) == 2, f"{doc} has no 'Links in the UI' section"
    links: dict[str, list[str]] = {}
    for line in section[1].split("\n#", 1)[0].splitlines():
        row = re.fullmatch(r"\|\s*`([^`]+)`\s*\|\s*`link\.argocd\.argoproj\.io/[^`]+`\s*\|"
                           r"\s*<([^>]+)>\s*\|", line.strip())
        if row:
            links.setdefault(row[1], []).append(row[2])
    assert links, f"{doc}: the 'Links in the UI' table has no rows"
    return links


# -- what the page must show ------------------------------------------------------------------
def tiles_problems(tiles: list[dict], want: dict[str, str]) -> list[str]:
    """What differs between the list's tiles and one tile per component app,
    labelled with its component, Healthy and Synced."""
    shown = {t["name"]: t for t in tiles}
    problems = [f"{name}: no tile" for name in sorted(set(want) - set(shown))]
    problems += [f"{name}: a tile, but no component app" for name in sorted(set(shown) - set(want))]
    for name, component in sorted(want.items()):
        tile = shown.get(name)
        if tile is None:
            continue
        if f"{COMPONENT_LABEL}={component}" not in tile["labels"]:
            problems.append(f"{name}: labels {tile['labels']}, not {COMPONENT_LABEL}={component}")
        if (tile["health"], tile["sync"]) != ("Healthy", "Synced"):
            problems.append(f"{name}: {tile['health']}, {tile['sync']}")
    return problems


def show_components(ui: ArgoCDUI, want: dict[str, str], timeout: float = UI_TIMEOUT) -> list[dict]:
    """The applications list, filtered on the component label (as a person
    groups the apps in the LABELS filter), every item on one page."""
    ui.open("/applications?view=tiles&labels=" + quote(COMPONENT_LABEL, safe=""))
    ui.show_all_items()
    return ui.wait(f"one tile per component app, labelled {COMPONENT_LABEL}, Healthy and Synced",
                   ui.tiles, lambda tiles: not tiles_problems(tiles, want), timeout=timeout)


def tree_problems(nodes: list[dict], want: dict[str, str]) -> list[str]:
    root = [n for n in nodes if n["root"]]
    apps = {n["name"]: n for n in nodes if n["kind"] == "application" and not n["root"]}
    problems = [] if [n["name"] for n in root] == [ROOT_APP] else [f"root nodes: {root}"]
    problems += [f"{name}: not in the tree" for name in sorted(set(want) - set(apps))]
    problems += [f"{name}: in the tree, no component app" for name in sorted(set(apps) - set(want))]
    for node in [*root, *apps.values()]:
        if (node["health"], node["sync"]) != ("Healthy", "Synced"):
            problems.append(f"{node['name']}: {node['health']}, {node['sync']}")
    return problems


def show_tree(ui: ArgoCDUI, want: dict[str, str]) -> list[dict]:
    ui.open(f"/applications/argocd/{ROOT_APP}?view=tree")
    return ui.wait("the root app's tree: every component app, Healthy and Synced", ui.tree,
                   lambda nodes: not tree_problems(nodes, want))


def shown_time(text: str | None) -> datetime | None:
    """The time a Timestamp shows in brackets, e.g. (Wed Dec 02 2026 13:30:05 GMT+0000)."""
    found = re.search(r"\((\w{3} \w{3} \d{2} \d{4} \d{2}:\d{2}:\d{2}) GMT([+-]\d{4})", text or "")
    return datetime.strptime(f"{found[1]} {found[2]}", "%a %b %d %Y %H:%M:%S %z") if found else None


def synced_after(status: dict, moment: datetime) -> bool:
    """The status panel shows Healthy, Synced, and a last sync that succeeded after ``moment``."""
    finished = shown_time(status["last_sync_detail"])
    return (status["health"] == "Healthy" and (status["sync"] or "").startswith("Synced")
            and (status["last_sync"] or "").startswith("Sync OK")
            and finished is not None and finished > moment)


def api_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def keep(ui: ArgoCDUI, name: str, height: int | None = None) -> Path:
    """A screenshot with the browser's artifacts, and in KUSTGUARD_E2E_SCREENSHOTS if set."""
    path = ui.screenshot(ui.artifacts / name, height)
    folder = os.environ.get(SCREENSHOTS_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(folder) / name)
    return path


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def apps(deployed: GitRemote, argocd: ControlPlane) -> dict[str, str]:
    """The component apps, once the root app and each of them is Synced and Healthy."""
    want = component_apps(deployed.work)
    with ArgoCD(argocd_session(argocd, read_timeout=60)) as client:
        for name in [ROOT_APP, *want]:
            result = wait_for(client, name, timeout=FIRST_SYNC_TIMEOUT)
            assert result.ok, result.message
    return want


@pytest.fixture(scope="module")
def ui(argocd: ControlPlane, apps: dict[str, str]) -> Iterator[ArgoCDUI]:  # noqa: ARG001
    """Chromium, logged in as admin."""
    browser = ArgoCDUI(argocd.argocd_url, argocd.argocd_ca, argocd.logs / "browser")
    try:
        browser.login("admin", argocd.argocd_password)
        yield browser
    finally:
        browser.close()


# -- scenarios ---------------------------------------------------------------------------------------
def test_the_server_serves_the_built_ui(argocd):
    """argocd-server answers a page load with the index.html of the UI build
    (embedded in the binary) and serves its bundles (--staticassets)."""
    built = argocd.bins.argocd_ui / "index.html"
    page = requests.get(f"{argocd.argocd_url}/applications", headers={"Accept": "text/html"},
                        verify=str(argocd.argocd_ca), timeout=30)
    assert page.status_code == 200, page.text[:300]
    assert page.text == built.read_text()
    # Every script the page loads is served; those of the build (all but
    # extensions.js, which the server writes) byte for byte.
    scripts = [s.lstrip("/") for s in re.findall(r'src="([^"]+\.js)"', page.text)]
    built_scripts = [s for s in scripts if (argocd.bins.argocd_ui / s).is_file()]
    assert any(s.startswith("main.") for s in built_scripts), scripts
    for script in scripts:
        got = requests.get(f"{argocd.argocd_url}/{script}", verify=str(argocd.argocd_ca),
                           timeout=30)
        assert got.status_code == 200, script
        if script in built_scripts:
            assert got.content == (argocd.bins.argocd_ui / script).read_bytes(), script


def test_the_root_app_shows_every_component_app_with_its_health(ui, apps):
    show_components(ui, apps)
    show_tree(ui, apps)
    keep(ui, TREE_SCREENSHOT, height=TREE_SCREENSHOT_HEIGHT)


def test_each_apps_links_open_where_the_docs_say(ui, apps):
    documented = documented_links()
    assert set(documented) <= {ROOT_APP, *apps}, \
        f"docs/argocd.md names links of apps that do not exist: {set(documented) - {ROOT_APP, *apps}}"
    nodes = show_tree(ui, apps)
    # The root app shows its own links and those of the resources it manages:
    # its child Applications.
    want = {name: sorted(documented.get(name, [])) for name in apps}
    want[ROOT_APP] = sorted({url for urls in documented.values() for url in urls})
    got = {n["name"]: sorted(ui.node_links(n["name"])) for n in nodes
           if n["kind"] == "application"}
    assert got == want


def test_sync_and_synchronize_in_the_ui(ui, apps, client):  # noqa: ARG001
    name = "k3d-todo"
    ui.open(f"/applications/argocd/{name}?view=tree")
    ui.wait(f"{name} Healthy and Synced", ui.status,
            lambda s: s["health"] == "Healthy" and (s["sync"] or "").startswith("Synced"))
    clicked = datetime.now(timezone.utc).replace(microsecond=0)
    time.sleep(1)  # the operation's start, in whole seconds, comes after the click
    ui.click_xpath("the Sync button", "//button[normalize-space()='Sync']")
    ui.click_xpath("the Synchronize button",
                   "//button[@qe-id='application-sync-panel-button-synchronize']")
    status = ui.wait(f"{name} Synced and Healthy after the sync the click started", ui.status,
                     lambda s: synced_after(s, clicked), timeout=300)
    keep(ui, SYNCED_SCREENSHOT)

    app = client.get(name)
    op = app["status"]["operationState"]
    assert op["phase"] == "Succeeded", op
    assert api_time(op["startedAt"]) > clicked, (op["startedAt"], clicked)
    assert op["operation"]["initiatedBy"].get("username") == "admin", op["operation"]
    assert not op["operation"]["initiatedBy"].get("automated"), op["operation"]
    assert shown_time(status["last_sync_detail"]) == api_time(op["finishedAt"])
    assert app["status"]["sync"]["status"] == "Synced"
    assert app["status"]["health"]["status"] == "Healthy"


def test_a_pushed_broken_manifest_shows_the_apps_error_condition(ui, apps, deployed, client):  # noqa: ARG001
    name, rel = "k3d-todo", "overlays/k3d/todo/kustomization.yaml"
    deployed.append(rel, "namePrefix: [todo-\n")  # an unclosed flow sequence
    bad = deployed.commit_and_push("todo: a kustomization that is not YAML")
    try:
        ui.open(f"/applications/argocd/{name}")
        asked = [0.0]

        def status() -> dict:
            if time.monotonic() - asked[0] > 30:  # Argo CD reads git every 3 minutes
                client.get(name, refresh="normal")
                asked[0] = time.monotonic()
            return ui.status()
        ui.wait(f"{name}'s error condition", status,
                lambda s: re.search(r"\b1 Error\b", s["conditions"] or "") is not None,
                timeout=300)
        ui.click_xpath("the app's conditions",
                       "//div[contains(@class, 'application-status-panel__conditions')]")
        shown = ui.wait("the conditions panel", ui.conditions, bool)
        listed = [c for c in client.get(name)["status"].get("conditions", [])
                  if c["type"].endswith("Error")]
        assert [(c["type"], " ".join(c["message"].split())) for c in listed] == \
            [(c["type"], " ".join(c["message"].split())) for c in shown
             if c["type"].endswith("Error")]
        assert [c["type"] for c in listed] == ["ComparisonError"], listed
        assert "yaml" in listed[0]["message"].lower(), listed[0]["message"]
        ui.keep_screenshot("the error condition")
    finally:
        good = deployed.revert_and_push(bad)
    see_revision(client, name, good)
    result = wait_for(client, name, timeout=300)
    assert result.ok, result.message
    assert not [c for c in result.app["status"].get("conditions", [])
                if c["type"].endswith("Error")]
    ui.open(f"/applications/argocd/{name}")
    ui.wait(f"{name} without conditions, Synced and Healthy", ui.status,
            lambda s: s["conditions"] is None and s["health"] == "Healthy"
            and (s["sync"] or "").startswith("Synced"))


def test_control_a_renamed_component_label_fails_the_tree_check(ui, apps, deployed, client):
    """The first scenario's check reads the labels the UI shows: rename the
    label in the Applications the root app syncs, and the list filtered on
    it shows no app at all; after the revert the check passes again."""
    folder = deployed.work / "argocd" / "applications" / "k3d"
    renamed = 0
    for path in sorted(folder.glob("*.yaml")):
        text = path.read_text()
        if f"{COMPONENT_LABEL}:" in text:
            path.write_text(text.replace(f"{COMPONENT_LABEL}:", "kustguard.io/part:"))
            renamed += 1
    assert renamed == len(apps)
    sha = deployed.commit_and_push("rename the component label")
    try:
        deploy_revision(client, ROOT_APP, sha)
        with pytest.raises(AssertionError) as caught:
            show_components(ui, apps, timeout=20)
        # The filter on the label finds no app at all.
        assert "last seen: []" in str(caught.value), caught.value
    finally:
        good = deployed.revert_and_push(sha)
    deploy_revision(client, ROOT_APP, good)
    show_components(ui, apps)
