"""Shared fixtures: paths, the shared data folder, a served app and a browser."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def shared_file(*parts: str) -> Path:
    """Return a file under ../shared/data, skipping the test when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{path} is not present (../shared/data is optional)")
    return path


def find_chromium() -> str | None:
    """Return the path of a Chromium binary, or None."""
    env = os.environ.get("CHROMIUM_PATH")
    candidates = ([env] if env else []) + list(CHROMIUM_CANDIDATES) + [shutil.which("chromium") or ""]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve_app(log_name: str = "streamlit.log"):
    """Serve the app as `make run` does, on a free port, and yield its URL; stop it afterwards."""
    port = _free_port()
    log = ARTIFACTS / log_name
    ARTIFACTS.mkdir(exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui.serve", "--server.port", str(port)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start; see {log}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="session")
def app_url():
    """One server for the session: results it computed are reused by later tests."""
    with serve_app() as url:
        yield url


@pytest.fixture
def fresh_app_url():
    """A server of its own, with empty caches, for tests that must see a run start from nothing."""
    with serve_app("streamlit-fresh.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium driven by Playwright; skips only when none is installed."""
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium found (install Debian's `chromium`; CI does this in .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def wait_for_app(page, timeout: float = 120_000) -> None:
    """Wait until the Streamlit script has finished its current run."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=timeout)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    page.wait_for_timeout(300)  # let the last deltas paint


H1 = "(document.querySelector(\"[data-testid='stMain'] h1\")?.innerText || '').trim()"


def wait_for_page(page, title: str, timeout: float = 120_000) -> None:
    """Wait until the page titled ``title`` is drawn and its run has ended.

    Not the address, nor the script state alone: the browser changes the address at
    once, while the old page and its "notRunning" stay on screen until the new run
    starts. A click sent in that gap interrupts the run it was meant to follow.
    """
    page.wait_for_function(f"(t) => ({H1}) === t", arg=title, timeout=timeout)
    wait_for_app(page, timeout=timeout)


# Counts browser history entries: Streamlit adds one per page change and one per change of the address.
PUSHES = ("window.__pushes = 0; const push = history.pushState.bind(history);"
          "history.pushState = (...a) => { window.__pushes += 1; return push(...a); };")


def pushes(page) -> int:
    """History entries added since the document loaded (needs ``context.add_init_script(PUSHES)``)."""
    return page.evaluate("window.__pushes")


def click_page(page, title: str, timeout: float = 120_000) -> None:
    """Click a page in the sidebar (keeps the session, unlike a new URL) and wait until it has run."""
    page.locator("[data-testid='stSidebar']").get_by_role("link", name=title, exact=True).click()
    wait_for_page(page, title, timeout)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under artifacts/screenshots/."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
