"""A real browser (Debian's chromium via Playwright): forced TOTP enrollment, then sign-in
with a code. Checks the inline QR code renders under the CSP and no CSP violation occurs."""

import threading
import time

import pyotp
import pytest
from werkzeug.serving import make_server

from tests.factories import PASSWORD, add_member, make_org, make_user
from tests.support.mailcatcher import free_port

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.slow


@pytest.fixture
def server(app, make_app):
    port = free_port()
    served = make_app(public_base_url=f"http://127.0.0.1:{port}")
    httpd = make_server("127.0.0.1", port, served, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    httpd.shutdown()
    thread.join(10)


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def test_office_admin_enrolls_then_signs_in_with_a_code(server, browser):
    user = make_user("olivia", display_name="Olivia Office")
    add_member(user, make_org(), "office_admin")
    page = browser.new_page()
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)

    page.goto(server + "/login")
    page.fill("#username", "olivia")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/mfa/enroll**")
    qr_width = page.eval_on_selector("img.qr", "img => img.naturalWidth")
    assert qr_width > 0
    secret = page.inner_text("code.secret").strip()
    totp = pyotp.TOTP(secret)
    page.fill("#code", totp.now())
    page.click("button[type=submit]")
    codes = page.locator("ul.recovery-codes li")
    assert codes.count() == 10
    page.click("text=Continue")
    assert "Welcome, Olivia Office" in page.inner_text("h1")

    page.click("text=Sign out")
    page.wait_for_url("**/login")
    page.fill("#username", "olivia")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/login/verify")
    page.fill("#code", totp.at(time.time() + 30))
    page.click("button[type=submit]")
    assert "Welcome, Olivia Office" in page.inner_text("h1")
    assert not [p for p in problems if "Content Security Policy" in p], problems
