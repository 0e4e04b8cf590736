"""A real browser (Debian's chromium, driven by Playwright) against a real `congdoan serve`.

Nothing is downloaded: Playwright launches the system chromium (CHROMIUM=path to choose
another). `make test` and `.ci/run` install it with apt-get when it is missing.
Screenshots of every page a test looks at go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import ROOT, serving
from tests.test_journalist import build_archive

ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("chromium is not installed: run `make test` (it installs Debian's chromium) or set CHROMIUM=")
    return found


# Module scope: Playwright's sync API runs an event loop in this thread until it stops, and
# the tests after these ones call asyncio.run().
@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """`congdoan serve` on loopback, over the demo archive plus the XSS fixture article."""
    with serving(build_archive(tmp_path_factory.mktemp("browser"))) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, request) -> Iterator[Page]:
    context = browser.new_context(accept_downloads=True, locale="vi-VN")
    opened = context.new_page()
    opened.set_default_timeout(15000)
    yield opened
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    opened.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
