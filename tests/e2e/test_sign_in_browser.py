"""A real browser: forced TOTP enrollment for an office administrator, then sign-in with a
code. Checks the inline QR code renders under the CSP and no CSP violation occurs."""

import time

import pyotp
import pytest

from tests.factories import PASSWORD, add_member, make_org, make_user

pytestmark = pytest.mark.slow


def test_office_admin_enrolls_then_signs_in_with_a_code(live_server, page):
    user = make_user("olivia", display_name="Olivia Office")
    add_member(user, make_org(), "office_admin")
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)

    page.goto(live_server.url + "/login")
    page.fill("#username", "olivia")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/mfa/enroll**")
    assert page.eval_on_selector("img.qr", "img => img.naturalWidth") > 0
    totp = pyotp.TOTP(page.inner_text("code.secret").strip())
    page.fill("#code", totp.now())
    page.click("button[type=submit]")
    assert page.locator("ul.recovery-codes li").count() == 10
    page.click("text=Continue")
    page.wait_for_url(live_server.url + "/")
    assert "Welcome, Olivia Office" in page.content()

    page.click("text=Sign out")
    page.wait_for_url("**/login")
    page.fill("#username", "olivia")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/login/verify")
    page.fill("#code", totp.at(time.time() + 30))
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    assert "Welcome, Olivia Office" in page.content()
    assert not [p for p in problems if "Content Security Policy" in p], problems
