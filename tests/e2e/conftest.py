"""A real browser (Debian's chromium, driven by Playwright) against a live idp."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.support.live_server import LiveServer

CHROMIUM = os.environ.get("IDP_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_server(app, make_app):
    server = LiveServer(make_app).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"chromium not found at {CHROMIUM}: run scripts/install-test-deps")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def enroll_authenticator(page):
    """On the enrollment page: read the key as a person would type it, confirm with a code
    from it, and continue past the recovery codes. Returns the authenticator."""
    import pyotp
    from playwright.sync_api import expect

    expect(page.locator("h1")).to_have_text("Set up two-step verification")
    totp = pyotp.TOTP(page.locator("code.secret").inner_text().strip())
    page.fill("#code", totp.now())
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Your recovery codes")
    page.click("text=Continue")
    return totp
