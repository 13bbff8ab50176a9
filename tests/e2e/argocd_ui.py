"""Debian's Chromium, headless, driven by Selenium on the e2e's Argo CD web UI.

The browser trusts exactly one certificate: the one Argo CD's API server
presents, after Python has verified it against the throwaway CA. Chromium
pins its public key (``--ignore-certificate-errors-spki-list``, which it only
honours with its own ``--user-data-dir``); no certificate error is ignored
otherwise.

The page is read with small scripts that return what a person sees (names,
the health and sync icons' titles, texts), so every wait reports the last
state it saw, and saves a screenshot, when it times out.
"""
from __future__ import annotations

import base64
import hashlib
import os
import shutil
import socket
import ssl
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

WINDOW = (1440, 900)
SCREENSHOT_SCALE = 0.8
T = TypeVar("T")


def browser_tools() -> tuple[str, str]:
    """Chromium and its driver from the system (Debian's packages)."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        raise FileNotFoundError("missing: chromium and chromedriver (Debian: apt-get install "
                                "chromium chromium-driver)")
    return chromium, driver


def spki_pin(host: str, port: int, ca: Path) -> str:
    """base64(sha256(SubjectPublicKeyInfo)) of the certificate the server at
    host:port presents, which must verify against ``ca`` for ``host``."""
    context = ssl.create_default_context(cafile=str(ca))
    with socket.create_connection((host, port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname=host) as tls:
        der = tls.getpeercert(binary_form=True)
    spki = x509.load_der_x509_certificate(der).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


# -- what the page shows ---------------------------------------------------------------
# The resource tree of an app's page: one entry per node.
TREE_NODES_JS = """
return Array.from(document.querySelectorAll('.application-resource-tree__node')).map(n => {
  const kind = Array.from(n.classList).find(c => c.startsWith('application-resource-tree__node--')
      && c !== 'application-resource-tree__node--orphaned');
  const title = n.querySelector('.application-resource-tree__node-title');
  const health = n.querySelector('[qe-id="utils-health-status-title"]');
  const sync = n.querySelector('[qe-id="utils-sync-status-title"]');
  const links = n.querySelector('.applications-list__external-links-icon-container a');
  return {
    kind: kind ? kind.slice('application-resource-tree__node--'.length) : null,
    root: !!n.querySelector('.application-resource-tree__node-kind-icon--big'),
    name: title ? title.textContent.trim() : null,
    health: health ? (health.getAttribute('title') || '').split(':')[0] : null,
    sync: sync ? sync.getAttribute('title') : null,
    links: !!links,
  };
});
"""

# The tiles of the applications list.
TILES_JS = """
return Array.from(document.querySelectorAll('.applications-tiles__item')).map(t => {
  const row = label => {
    const cell = Array.from(t.querySelectorAll('.columns')).find(c => c.getAttribute('title') === label);
    return cell && cell.nextElementSibling ? cell.nextElementSibling.textContent.trim() : null;
  };
  const title = t.querySelector('.applications-list__title');
  const health = t.querySelector('[qe-id="applications-tiles-health-status"] [qe-id="utils-health-status-title"]');
  const sync = t.querySelector('[qe-id="applications-tiles-health-status"] [qe-id="utils-sync-status-title"]');
  return {
    name: title ? title.textContent.trim() : null,
    labels: (row('Labels:') || '').split(',').map(s => s.trim()).filter(s => s),
    health: health ? (health.getAttribute('title') || '').split(':')[0] : null,
    sync: sync ? sync.getAttribute('title') : null,
  };
});
"""

# The status panel at the top of an app's page.
STATUS_JS = """
const items = Array.from(document.querySelectorAll('.application-status-panel__item'));
const item = label => items.find(i => i.textContent.trim().toUpperCase().startsWith(label));
const text = e => e ? e.textContent.replace(/\\s+/g, ' ').trim() : null;
const health = item('APP HEALTH');
const sync = item('SYNC STATUS');
const last = item('LAST SYNC');
const conditions = item('APP CONDITIONS');
return {
  health: health ? text(health.querySelector('.application-status-panel__item-value')) : null,
  sync: sync ? text(sync.querySelector('.application-status-panel__item-value')) : null,
  last_sync: last ? text(last.querySelector('.application-status-panel__item-value')) : null,
  last_sync_detail: last ? text(last.querySelector('.application-status-panel__item-name')) : null,
  conditions: conditions ? text(conditions.querySelector('.application-status-panel__conditions')) : null,
};
"""

# Each condition of the conditions panel.
CONDITIONS_JS = """
return Array.from(document.querySelectorAll('.application-conditions__condition')).map(c => {
  const cells = c.querySelectorAll('.columns');
  return {type: cells[0].textContent.trim(), message: cells[1].textContent.trim()};
});
"""

# window.open records what it is asked to open instead of opening it.
RECORD_OPENS_JS = """
window.__opened = [];
window.open = url => { window.__opened.push(String(url)); return null; };
"""


class ArgoCDUI:
    """One headless Chromium on one Argo CD server."""

    def __init__(self, base_url: str, ca: Path, workdir: Path) -> None:
        chromium, driver = browser_tools()
        self.base_url = base_url.rstrip("/")
        self.artifacts = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        where = urlsplit(self.base_url)
        pin = spki_pin(where.hostname, where.port, ca)
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        # Navigation returns once the document is parsed: the UI renders
        # from its API calls afterwards, and every check polls the page.
        options.page_load_strategy = "eager"
        for arg in ("--headless=new", "--disable-gpu", "--disable-dev-shm-usage",
                    f"--window-size={WINDOW[0]},{WINDOW[1]}", "--force-device-scale-factor=1",
                    f"--user-data-dir={workdir / 'profile'}", "--lang=en-US",
                    f"--ignore-certificate-errors-spki-list={pin}",
                    "--no-first-run", "--disable-extensions", "--disable-sync",
                    "--disable-background-networking", "--disable-component-update",
                    # A busy machine must not slow the page down further.
                    "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
                    "--disable-backgrounding-occluded-windows"):
            options.add_argument(arg)
        if os.geteuid() == 0:
            # Chromium's sandbox cannot run as root (CI runs as root).
            options.add_argument("--no-sandbox")
        service = Service(driver, log_output=str(workdir / "chromedriver.log"))
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.set_page_load_timeout(45)
        self.shots = 0

    def close(self) -> None:
        try:
            self.driver.quit()
        except WebDriverException:
            pass

    # -- navigation -----------------------------------------------------------------------
    def open(self, path: str) -> None:
        """Go to ``path``. Once the UI is loaded, through its own router, as
        its links do: Chromium can stall for a minute leaving an app's page
        (the UI streams the app and redraws its tree), on a busy machine."""
        here = urlsplit(self.driver.current_url)
        if f"{here.scheme}://{here.netloc}" == self.base_url and here.path != "/login":
            self.js("window.history.pushState({}, '', arguments[0]);"
                    "window.dispatchEvent(new PopStateEvent('popstate', {state: {}}));", path)
            # The UI rewrites the query with its own filters.
            self.wait(f"the page {path}", lambda: urlsplit(self.driver.current_url).path,
                      lambda shown: shown == urlsplit(path).path)
        else:
            self.driver.get(self.base_url + path)

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def wait(self, what: str, probe: Callable[[], T], ok: Callable[[T], bool],
             timeout: float = 60.0, interval: float = 0.5) -> T:
        """Poll ``probe()`` until ``ok`` accepts what it returns; on timeout, fail
        with the last value seen and keep a screenshot of the page."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while True:
            try:
                last = probe()
                if ok(last):
                    return last
            except WebDriverException as exc:
                last = f"{type(exc).__name__}: {exc.msg}"
            if time.monotonic() > deadline:
                shot = self.keep_screenshot(what)
                raise AssertionError(f"the UI did not show {what} within {timeout:g}s; "
                                     f"last seen: {last!r}; screenshot: {shot}")
            time.sleep(interval)

    def keep_screenshot(self, what: str) -> Path:
        self.shots += 1
        path = self.artifacts / f"{self.shots:02d}-{''.join(c if c.isalnum() else '-' for c in what)[:60]}.png"
        self.driver.save_screenshot(str(path))
        return path

    def screenshot(self, path: Path, height: int | None = None) -> Path:
        """A PNG of the page; ``height``: of the viewport, for a tall page."""
        path.parent.mkdir(parents=True, exist_ok=True)
        if height:
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": WINDOW[0], "height": height, "deviceScaleFactor": 1, "mobile": False})
            time.sleep(1)  # the tree lays itself out again
        try:
            # At 0.8 scale: the text stays legible, the file a third smaller.
            shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "clip": {"x": 0, "y": 0, "width": WINDOW[0],
                                          "height": height or self.js("return innerHeight;"),
                                          "scale": SCREENSHOT_SCALE}})
            path.write_bytes(base64.b64decode(shot["data"]))
        finally:
            if height:
                self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        return path

    def click_xpath(self, what: str, xpath: str, timeout: float = 30.0) -> None:
        element = self.wait(what, lambda: self.driver.find_elements(By.XPATH, xpath),
                            lambda found: bool(found) and found[0].is_displayed()
                            and found[0].is_enabled(), timeout=timeout)[0]
        element.click()

    # -- pages --------------------------------------------------------------------------------
    def login(self, username: str, password: str) -> None:
        self.open("/login")
        self.wait("the login form", lambda: self.driver.find_elements(
            By.CSS_SELECTOR, "input[name=username]"), bool)
        self.driver.find_element(By.CSS_SELECTOR, "input[name=username]").send_keys(username)
        self.driver.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(password)
        self.driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        self.wait("the applications page after login",
                  lambda: urlsplit(self.driver.current_url).path, lambda p: p == "/applications")

    def show_all_items(self, timeout: float = 15.0) -> None:
        """Every item of a paginated list on one page ("Items per page: all").
        A list with no item has no such menu: then there is nothing to do."""
        anchor = "//a[starts-with(normalize-space(), 'Items per page:')]"
        choice = "//div[contains(@class, 'argo-dropdown__content') and " \
                 "contains(@class, 'opened')]//li[normalize-space()='all']"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:  # the list redraws as the apps stream in: find anew each time
                found = self.driver.find_elements(By.XPATH, anchor)
                if found and found[0].text.strip().endswith("all"):
                    return
                if found:
                    self.js("arguments[0].click()", found[0])
                    items = self.driver.find_elements(By.XPATH, choice)
                    if items:
                        self.js("arguments[0].click()", items[0])
            except WebDriverException:
                pass
            time.sleep(0.5)

    def tree(self) -> list[dict]:
        return self.js(TREE_NODES_JS)

    def tiles(self) -> list[dict]:
        return self.js(TILES_JS)

    def status(self) -> dict:
        return self.js(STATUS_JS)

    def conditions(self) -> list[dict]:
        return self.js(CONDITIONS_JS)

    def node_links(self, name: str) -> list[str]:
        """What clicking the link icon of tree node ``name`` opens: the first
        link, then each entry of its drop-down when it has several."""
        node = self.driver.find_element(
            By.XPATH, "//div[contains(concat(' ', @class, ' '), ' application-resource-tree__node ')]"
                      f"[.//div[contains(@class, 'application-resource-tree__node-title')]"
                      f"[normalize-space()='{name}']]")
        anchors = node.find_elements(By.CSS_SELECTOR,
                                     ".applications-list__external-links-icon-container a")
        if not anchors:
            return []
        self.js(RECORD_OPENS_JS)
        carets = anchors[0].find_elements(By.CSS_SELECTOR, ".argo-dropdown__anchor")
        self.js("arguments[0].click()", anchors[0].find_element(By.CSS_SELECTOR,
                                                                 "i.fa-external-link-alt"))
        if carets:
            self.js("arguments[0].click()", carets[0])
            items = self.wait(f"the links menu of {name}", lambda: self.driver.find_elements(
                By.CSS_SELECTOR, ".argo-dropdown__content.opened li"), bool)
            for i in range(len(items)):
                # The menu closes after each choice: open it again.
                if i:
                    self.js("arguments[0].click()", carets[0])
                item = self.driver.find_elements(By.CSS_SELECTOR,
                                                 ".argo-dropdown__content.opened li")[i]
                self.js("arguments[0].click()", item)
        opened = self.js("return window.__opened;")
        return list(dict.fromkeys(opened))  # the first link is opened twice
