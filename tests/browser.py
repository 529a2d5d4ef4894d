"""Helpers for browser tests: a Streamlit server on a free port and headless
Debian Chromium driven by Playwright, with every non-local request blocked."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
LOCAL_PREFIXES = ("http://localhost", "http://127.0.0.1", "ws://localhost", "ws://127.0.0.1",
                  "data:", "blob:", "about:")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(db_path: Path, warm: bool = True):
    port = free_port()
    env = dict(os.environ, RELOG_DB=str(db_path))
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / f"streamlit-{port}.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "server.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"Streamlit did not start: see {log.name}")
            time.sleep(0.3)
        if warm:
            _warm_up(url)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def browser_pages(count: int = 1, width: int = 1400, height: int = 1800):
    """`count` Playwright pages, each in its own browser context (its own
    Streamlit session); `page.blocked` lists the non-local requests refused."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        try:
            pages = []
            for _ in range(count):
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                blocked: list[str] = []

                def route(r, blocked=blocked):
                    if r.request.url.startswith(LOCAL_PREFIXES):
                        r.continue_()
                    else:
                        blocked.append(r.request.url)
                        r.abort()

                page.route("**/*", route)
                page.blocked = blocked
                pages.append(page)
            yield pages
        finally:
            browser.close()


@contextmanager
def browser_page(width: int = 1400, height: int = 1800):
    with browser_pages(1, width, height) as pages:
        yield pages[0]


def _warm_up(url: str) -> None:
    """Run the app once, so that the first test does not pay the imports."""
    with browser_page() as page:
        page.goto(url + "/")
        # a section of app.py's own navigation, or its sign-in page
        page.locator("text=Pilotage").or_(page.locator("text=Connexion")).first.wait_for(
            timeout=60_000)


def wait_for_app(page, text: str, timeout: float = 60_000) -> None:
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout)
    page.get_by_text(text, exact=False).first.wait_for(timeout=timeout)
    # let the script run finish (the status widget disappears)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)
