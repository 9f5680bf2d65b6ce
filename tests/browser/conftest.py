"""Browser tests: Playwright driving the system Chromium against pytest-django's live server.

Fixtures: `browser` (one per session), `page` (a fresh context at 1920x1080), `login(page, user)`
and `shot(page, name)` which saves a screenshot to `screenshots/` for a person to look at."""

import os
from pathlib import Path

import pytest

from tests.conftest import needs_service
from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "screenshots"))


@pytest.fixture(scope="session")
def browser():
    needs_service("Chromium (/usr/bin/chromium)", Path(CHROMIUM).exists())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# No htmx request in flight and no swap settling: the page is ready for the next click (a click
# during a swap can land on an element htmx has not wired up yet).
HTMX_IDLE = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


@pytest.fixture
def new_page(browser, live_server):
    """`new_page(width=1920, height=1080)`: a page in a fresh context; console errors are kept
    in `page.console_errors`."""
    contexts = []

    def make(width=1920, height=1080):
        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=live_server.url
        )
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))
        page.set_default_timeout(30000)  # generous: CI machines are small
        page.htmx_idle = lambda: page.wait_for_function(HTMX_IDLE)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def login():
    def sign_in(page, user, password=PASSWORD):
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    return sign_in


@pytest.fixture
def shot():
    def save(page, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed journey leaves what the browser showed: a screenshot in `screenshots/` and, in
    the report, the page's address and console errors."""
    outcome = yield
    report = outcome.get_result()
    page = item.funcargs.get("page")
    if report.when != "call" or not report.failed or page is None:
        return
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"failed-{item.name}.png"), full_page=True)
        report.sections.append(
            ("browser", f"url: {page.url}\nconsole errors: {page.console_errors}")
        )
    except Exception as exc:  # noqa: BLE001 — the browser may be gone; the failure stands
        report.sections.append(("browser", f"no screenshot: {exc}"))
