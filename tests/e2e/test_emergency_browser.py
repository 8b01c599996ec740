"""Emergency access in a real browser: from the two-step page to /emergency, the code from
the envelope, then the console with the emergency banner; axe-clean at phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from idp import services
from idp.common.clock import FixedClock
from idp.extensions import db
from tests.e2e.pagecheck import check_page, need_axe
from tests.factories import PASSWORD, make_user
from tests.support.signin import enroll_totp

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}


def test_a_security_admin_gets_in_with_the_sealed_code(live_server, browser, mail):
    need_axe()
    url = live_server.url
    sam = make_user("sam", platform_role="security_admin", display_name="Sam Security")
    enroll_totp(sam, FixedClock())  # the authenticator he has lost
    make_user("sue", platform_role="security_admin")
    code = services.emergency_codes().issue(sam)
    db.session.commit()

    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    page.goto(url + "/login")
    page.fill("#username", "sam")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Two-step verification")
    page.click("text=Emergency access")
    expect(page.locator("h1")).to_have_text("Emergency access")
    check_page(page, "emergency", "pages")

    page.fill("#username", "sam")
    page.fill("#password", PASSWORD)
    page.fill("#code", "not the code")
    page.click("button[type=submit]")
    expect(page.locator("#emergency-error")).to_contain_text("Emergency access failed")
    check_page(page, "emergency-failed", "pages")

    page.fill("#password", PASSWORD)
    page.fill("#code", code.upper())
    page.click("button[type=submit]")
    banner = page.locator(".emergency-banner")
    expect(banner).to_contain_text("Emergency session.")
    expect(banner).to_contain_text("This session ends at")
    check_page(page, "emergency-session", "pages")
    page.goto(url + "/account")
    expect(page.locator(".emergency-banner")).to_be_visible()
    assert len(mail.wait_for("sue@clinic.test")) == 1
    context.close()
