"""A real gateway on a loopback port and Debian's Chromium driven by Playwright.

The gateway runs embedded (SQLite, in-process routing) and with services (PostgreSQL, the real
Redis), with the demo utility and the real NLP model, in the test's own event loop; the browser
talks to it over real HTTP and WebSockets. Chromium comes from the distribution
(/usr/bin/chromium), never from a Playwright download.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from gateway.app import create_app
from gateway.demo import seed_demo
from gateway.settings import Settings
from gateway.store import CaseStore
from nlp.model import DEFAULT_MODEL_DIR, NlpModel
from tests.conftest import REQUIRE_SERVICES

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass(frozen=True)
class RunningGateway:
    base_url: str
    app: web.Application
    store: CaseStore

    def url(self, path: str) -> str:
        return self.base_url + path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def nlp_model() -> NlpModel:
    return NlpModel.load(DEFAULT_MODEL_DIR)


@pytest.fixture
async def gateway(
    settings: Settings, store: CaseStore, nlp_model: NlpModel
) -> AsyncIterator[RunningGateway]:
    """Embedded (SQLite, in-process routing) and with services (PostgreSQL, the real Redis)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    await seed_demo(store)
    served = replace(settings, port=port, public_base_url=base_url)
    app = create_app(served, analyze=nlp_model.analyze)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield RunningGateway(base_url, app, store)
    finally:
        await runner.cleanup()


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
async def browser(chromium_path: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


class Window:
    """One person's browser window; any dialog (alert) opened by page script is recorded."""

    def __init__(self, context: BrowserContext, page: Page) -> None:
        self.context = context
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    async def _dialog(self, dialog: object) -> None:
        self.dialogs.append(getattr(dialog, "message", "?"))
        await dialog.dismiss()  # type: ignore[attr-defined]


@pytest.fixture
async def windows(browser: Browser) -> AsyncIterator[list[Window]]:
    opened: list[Window] = []
    yield opened
    for window in opened:
        await window.context.close()


async def open_window(browser: Browser, windows: list[Window], url: str) -> Window:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    window = Window(context, await context.new_page())
    windows.append(window)
    await window.page.goto(url)
    return window


async def sign_in(window: Window, username: str, password: str) -> None:
    page = window.page
    await page.get_by_label("Username", exact=True).fill(username)
    await page.get_by_label("Password", exact=True).fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.locator("#who").filter(has_text="(").wait_for()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where page screenshots go: the README's copies in docs/screenshots when
    UPDATE_SCREENSHOTS=1 (`make screenshots`), else a temporary directory, so that a test run
    leaves the working tree as it found it."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")
