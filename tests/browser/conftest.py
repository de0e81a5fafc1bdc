"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's
live server. Playwright cannot download its own browser here, so we launch /usr/bin/chromium.

Fixtures:
- `new_page(device="desktop"|"phone", locale="zh-CN")`: a page in a fresh browser context
  whose relative URLs go to the live server (`page.goto("/zh-hans/")`).
- `page`: `new_page()` on a desktop; `phone_page`: `new_page("phone")`.
- `screenshot(name, page=None)`: saves artifacts/screenshots/<name>.png (the latest page).
- `sign_in(page, login, password=PASSWORD, shot="")`: through the login page.
- `zh_url(name, *args)`: a page's path under /zh-hans/.

Without Chromium the tests are skipped, unless JIFEN_REQUIRE_BROWSER=1 (CI), which fails them.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from jifen.testing import PASSWORD

CHROMIUM = Path(os.environ.get("JIFEN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium fonts-wqy-microhei)"
        if os.environ.get("JIFEN_REQUIRE_BROWSER") == "1":
            pytest.fail(message + "; JIFEN_REQUIRE_BROWSER=1 forbids skipping", pytrace=False)
        pytest.skip(message)
    # Playwright's sync API keeps an event loop in this thread; the ORM calls that tests make
    # beside it are still synchronous, so Django's async-safety check must stand aside.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(
    browser: Browser,
    live_server,
    transactional_db,
) -> Iterator[Callable[..., Page]]:
    contexts: list[BrowserContext] = []

    def make(device: str = "desktop", locale: str = "zh-CN") -> Page:
        context = browser.new_context(locale=locale, base_url=live_server.url, **DEVICES[device])
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page("desktop")


@pytest.fixture
def phone_page(new_page: Callable[..., Page]) -> Page:
    return new_page("phone")


@pytest.fixture
def screenshot(browser: Browser) -> Callable[..., Path]:
    def save(name: str, page: Page | None = None) -> Path:
        if page is None:  # the page the test opened last
            page = [p for c in browser.contexts for p in c.pages][-1]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def _zh_url(name: str, *args: object) -> str:
    with translation.override("zh-hans"):
        return reverse(name, args=args)


@pytest.fixture
def zh_url() -> Callable[..., str]:
    """`zh_url(name, *args)`: the path of a page in Chinese, the journeys' language."""
    return _zh_url


@pytest.fixture
def sign_in(screenshot: Callable[..., Path]) -> Callable[..., None]:
    """`sign_in(page, login, password=PASSWORD, shot="")` through the login page, as a person
    would (saving screenshot `shot` of the filled form if named); the page then shows where
    they work. Controls are found by name and form action, which no translation changes."""

    def sign_in(page: Page, login: str, password: str = PASSWORD, shot: str = "") -> None:
        page.goto(_zh_url("login"))
        form = page.locator(f'main form[action="{_zh_url("login")}"]')
        form.locator("input[name=username]").fill(login)
        form.locator("input[name=password]").fill(password)
        if shot:
            screenshot(shot, page)
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()

    return sign_in
