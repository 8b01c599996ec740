"""A practice's life in a real browser: register (with a refused NPI first), confirm the
emailed link, approval by a security admin, invitation, acceptance, and office switching."""

from __future__ import annotations

from playwright.sync_api import expect

from idp.extensions import db
from idp.orgs.models import Organization
from tests.e2e.conftest import enroll_authenticator
from tests.factories import PASSWORD, add_member, make_org, make_user, npi_with_check_digit


def _fill(page, values: dict) -> None:
    for name, value in values.items():
        page.fill(f"#{name}", value)


def test_register_approve_invite_accept_in_a_browser(live_server, browser, page, mail):
    url = live_server.url
    page.goto(url + "/register")
    good_npi = npi_with_check_digit("176543210")
    form = {
        "legal_name": "Willow Street Clinic",
        "tax_id": "98-7650001",
        "npi": good_npi[:9] + str((int(good_npi[9]) + 1) % 10),  # wrong check digit
        "address_line1": "9 Willow Street",
        "city": "Decatur",
        "state": "IL",
        "postal_code": "62521",
        "display_name": "Wren Willow",
        "email": "wren@willow.test",
        "username": "wren",
        "password": "wren's long passphrase",
        "password_confirm": "wren's long passphrase",
    }
    _fill(page, form)
    page.click("button[type=submit]")
    expect(page.locator("#npi-error")).to_contain_text("check digit does not match")
    assert page.input_value("#legal_name") == "Willow Street Clinic"
    assert page.input_value("#password") == ""
    page.fill("#npi", good_npi)
    page.fill("#password", form["password"])
    page.fill("#password_confirm", form["password"])
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Check your email")

    page.goto(mail.last_link("wren@willow.test", "/verify-email/"))
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Email address confirmed")
    expect(page.locator("main")).to_contain_text("pending approval")

    page.goto(url + "/login")
    page.fill("#username", "wren")
    page.fill("#password", form["password"])
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Your registration is under review")
    page.click("text=Set up two-step verification")
    enroll_authenticator(page)  # office administrators must have a second factor
    page.wait_for_url(url + "/")
    expect(page.locator("h1")).to_have_text("Your registration is under review")

    make_user("sam", platform_role="security_admin")
    sec = browser.new_context().new_page()
    sec.goto(url + "/login")
    sec.fill("#username", "sam")
    sec.fill("#password", PASSWORD)
    sec.click("button[type=submit]")
    enroll_authenticator(sec)
    sec.click("text=Organizations awaiting approval")
    expect(sec.locator("main")).to_contain_text("Willow Street Clinic")
    sec.click("button:has-text('Approve')")
    expect(sec.locator("h1")).to_contain_text("is approved")
    sec.context.close()

    page.goto(url + "/")
    assert page.locator("#active-office h2").inner_text() == "Willow Street Clinic"
    assert page.locator("#active-office .tin").inner_text() == "*****0001"
    assert page.locator("#active-office .role").inner_text() == "Office administrator"
    page.click("text=Manage members and invitations")
    page.fill("#invite-email", "reed@willow.test")
    page.select_option("#invite-role", "clinician")
    page.click("button:has-text('Send invitation')")
    expect(page.locator("[role=status]")).to_contain_text("Invitation sent to reed@willow.test")

    staff = browser.new_context().new_page()
    staff.goto(mail.last_link("reed@willow.test", "/invitations/"))
    _fill(
        staff,
        {
            "display_name": "Reed Reeves",
            "username": "reed",
            "password": "reed's long passphrase",
            "password_confirm": "reed's long passphrase",
        },
    )
    staff.click("button[type=submit]")
    staff.wait_for_url(url + "/")
    expect(staff.locator("#active-office .role")).to_have_text("Clinician")
    staff.context.close()
    org = db.session.scalar(db.select(Organization).where(Organization.npi == good_npi))
    assert {m.user.username for m in org.memberships} == {"wren", "reed"}


def test_switching_office_in_a_browser(live_server, page):
    first, second = make_org("Juniper Practice"), make_org("Kestrel Billing")
    user = make_user("jo")
    add_member(user, first, "front_desk")
    add_member(user, second, "billing")
    page.goto(live_server.url + "/login")
    page.fill("#username", "jo")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    cookie_before = {c["name"]: c["value"] for c in page.context.cookies()}["idp_sid"]
    assert page.locator("#active-office h2").inner_text() == "Juniper Practice"
    page.select_option("#org_id", second.id)
    page.click("button:has-text('Switch office')")
    expect(page.locator("#active-office h2")).to_have_text("Kestrel Billing")
    expect(page.locator("#active-office .role")).to_have_text("Billing")
    # Still signed in, under a new session id: an office switch is a privilege change.
    assert {c["name"]: c["value"] for c in page.context.cookies()}["idp_sid"] != cookie_before
    page.goto(live_server.url + "/")
    expect(page.locator("#active-office h2")).to_have_text("Kestrel Billing")
