"""An office administrator on a phone (390 px wide): the members list, a member's page and
the bulk form fit without sideways scrolling; setting an end date and resetting a staff
member's two-step verification work in a real browser."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from playwright.sync_api import expect

from idp.common.clock import FixedClock, utcnow
from idp.extensions import db
from idp.mfa.store import has_mfa
from idp.orgs.models import Membership
from tests.e2e.conftest import enroll_authenticator
from tests.factories import PASSWORD, add_member, make_org, make_user
from tests.support.signin import enroll_totp

PHONE = {"width": 390, "height": 844}


def _fits(page) -> None:
    # Measured once the stylesheet is in: before it, under load, the bare HTML is wider.
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def test_an_office_administrator_on_a_phone(live_server, browser):
    url = live_server.url
    org = make_org("Magnolia Family Medicine and Pediatric Associates PLLC")
    admin = make_user("mags")
    add_member(admin, org, "office_admin")
    for n in range(12):
        person = make_user(
            f"staff{n}",
            email=f"a.rather.long.address.for.staff.member.{n}@magnolia-family-medicine.test",
            display_name=f"Staff Member Number {n} With A Long Name",
            password=None,
        )
        add_member(person, org, "front_desk")
    temp = make_user("temp", display_name="Tess Temp", password=None)
    temp_m = add_member(temp, org, "front_desk")
    enroll_totp(temp, FixedClock())

    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(url + "/login")
    page.fill("#username", "mags")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    totp: pyotp.TOTP = enroll_authenticator(page)
    assert totp.now()
    page.wait_for_url(url + "/")
    page.click("text=Manage members and invitations")
    expect(page.locator("#members")).to_contain_text("Tess Temp")
    _fits(page)
    import os

    if os.environ.get("SHOT"):
        page.screenshot(path=os.environ["SHOT"] + "/list.png", full_page=False)

    page.click(f"#member-{temp_m.id} >> text=Manage")
    expect(page.locator("h1")).to_have_text("Tess Temp")
    _fits(page)
    if os.environ.get("SHOT"):
        page.screenshot(path=os.environ["SHOT"] + "/member.png", full_page=True)
    ends = (utcnow() + timedelta(days=14)).date().isoformat()
    page.fill("#access_ends_on", ends)
    page.click("button:has-text('Save end date')")
    expect(page.locator("[role=status]")).to_contain_text(f"Access ends at the end of {ends}")
    expect(page.locator(f"#member-{temp_m.id} .member-state")).to_have_text(f"Access ends {ends}")

    page.click(f"#member-{temp_m.id} >> text=Manage")
    page.click("text=Reset two-step verification")
    expect(page.locator("main")).to_contain_text("recovery codes stop working")
    _fits(page)
    page.click("button:has-text('Reset two-step verification')")
    expect(page.locator("[role=status]")).to_contain_text("Two-step verification was reset")
    expect(page.locator(f"#member-{temp_m.id} .member-mfa")).to_have_text("Not set up")

    page.goto(f"{url}/orgs/{org.id}/invitations/bulk")
    _fits(page)
    page.context.close()
    db.session.expire_all()
    assert db.session.get(Membership, temp_m.id).access_ends_on.isoformat() == ends
    assert not has_mfa(temp)
