"""Helpers for browser tests: a Streamlit server on a free port and headless
Debian Chromium driven by Playwright, with every non-local request blocked."""

from __future__ import annotations

import itertools
import os
from contextlib import contextmanager
from pathlib import Path

from bench.browser import server
from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
LOCAL_PREFIXES = ("http://localhost", "http://127.0.0.1", "ws://localhost", "ws://127.0.0.1",
                  "data:", "blob:", "about:")


_logs = itertools.count(1)


@contextmanager
def streamlit_server(db_path: Path, warm: bool = True):
    """server.py on a free port (the benchmark's own starter), its log in
    test-artifacts/; yields its address."""
    ARTIFACTS.mkdir(exist_ok=True)
    with server(db_path, ARTIFACTS / f"streamlit-{os.getpid()}-{next(_logs)}.log") as (url, _):
        if warm:
            _warm_up(url)
        yield url


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
