"""Browser fixtures: Playwright driving Debian's chromium against pytest-django's live server.

`page` is a fresh browser tab (its own cookies) pointed at the live server; `log_in` logs a
user in through the real login form; `logged_in_page` is a tab of a logged-in administrator.
Screenshots go to tests/e2e/screenshots/ (not committed).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fairbill.accounts.models import PRIVILEGES
from fairbill.accounts.services import staff_create
from fairbill.core.actors import Actor
from fairbill.core.services import settings_update

# Playwright's sync API runs an event loop in the test thread; the test's own database work
# (setting data up through the services) is still plain synchronous code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
E2E_PASSWORD = "a-long-browser-test-password"  # noqa: S105 (test data)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        reason = f"browser tests need chromium at {CHROMIUM} (Debian package 'chromium')"
        print(reason)  # noqa: T201
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    violations = csp_violations(tab)
    yield tab
    context.close()
    # Every browser test also checks that the Content-Security-Policy blocked nothing.
    assert violations == [], "Content-Security-Policy violations"


def csp_violations(tab) -> list[str]:
    """The browser's console reports of Content-Security-Policy violations, as they come."""
    found: list[str] = []
    tab.on(
        "console",
        lambda message: (
            found.append(f"{tab.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return found


@pytest.fixture
def e2e_business(transactional_db):
    return settings_update(
        actor=Actor.system("tests"),
        company_name="Acme Hosting Ltd",
        currency="GBP",
        country="GB",
        time_zone="Europe/London",
    )


@pytest.fixture
def e2e_admin(transactional_db, e2e_business):
    return staff_create(
        actor=Actor.system("tests"),
        username="alice",
        email="alice@example.com",
        password=E2E_PASSWORD,
        privileges=list(PRIVILEGES),
        first_name="Alice",
    )


def log_in(page, username: str, password: str = E2E_PASSWORD) -> None:
    """Log in through the staff login form and wait for the dashboard."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    page.get_by_role("heading", name="Dashboard").wait_for()


@pytest.fixture
def logged_in_page(page, e2e_admin):
    log_in(page, e2e_admin.username)
    return page


def nav(page, name: str):
    """A link of the back office's main navigation."""
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name)


def customer_tab(page, name: str):
    """Open a tab of the customer page (Overview, Invoices & payments, Account credit, ...)."""
    page.get_by_role("navigation", name="Customer").get_by_role("link", name=name).click()
    page.locator('nav.tabs a[aria-current="page"]', has_text=name).wait_for()


def screenshot(page, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
