"""Real-browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright is never asked to download a browser: it launches /usr/bin/chromium (`make browser`).
Each test module marks itself with support.E2E_DB.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

# Playwright's sync API keeps an event loop running in the test thread, which makes Django's
# guard refuse database calls from test code; the calls really are synchronous, so allow them.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` to install Debian's Chromium.", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Opens pages in fresh browser contexts (no shared cookies) pointed at the live server."""
    contexts = []

    def open_page(**context_options):
        context = browser.new_context(base_url=live_server.url, **context_options)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page(viewport={"width": 1280, "height": 900})


@pytest.fixture
def page_without_js(new_page):
    return new_page(viewport={"width": 1280, "height": 900}, java_script_enabled=False)


@pytest.fixture
def narrow_page(new_page):
    """The narrowest screen WCAG 2.2 reflow (1.4.10) asks for: 320 CSS pixels."""
    return new_page(viewport={"width": 320, "height": 640})


@pytest.fixture
def zoomed_page(new_page):
    """A 1280-pixel-wide screen at 200% browser zoom: 640 CSS pixels, each drawn as 2 by 2."""
    return new_page(viewport={"width": 640, "height": 450}, device_scale_factor=2)
