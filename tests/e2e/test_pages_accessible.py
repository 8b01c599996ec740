"""axe-core finds no violation of any impact, and no page scrolls sideways at 390 px, on
every page people see that the journey (test_journey.py) does not already walk: the
invitation and its acceptance, members, the access review, consent, two-step settings,
recovery pages, the signed-out and error pages, the office's and the console's audit log,
and the security console."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from idp.common.clock import utcnow
from idp.extensions import db
from idp.oauth.clients import client_service
from idp.orgs.models import Membership
from tests.e2e.conftest import enroll_authenticator
from tests.e2e.pagecheck import check_page, need_axe
from tests.factories import PASSWORD, add_member, make_org, make_user

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}


def sign_in(page, url, username):
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def test_every_other_page_passes_axe_at_phone_width(live_server, browser, mail):
    need_axe()
    url = live_server.url
    app = live_server.app
    org = make_org("Rowan Street Family Medicine and Pediatrics Associates LLC")
    boss = make_user("a.long.username.for.the.office.administrator")
    add_member(boss, org, "office_admin")
    for i in range(3):
        add_member(make_user(f"staff.member.with.a.long.name.{i}"), org, "front_desk")
    make_user("sam", platform_role="security_admin")
    make_org("Pending Practice Awaiting Review PLLC", status="pending")
    redirect = "https://outside.example/cb"
    client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"]).add(
        name="Outside Scheduler", client_id="outside", auth_method="none", redirect_uris=[redirect]
    )
    # Every member began 85 days ago: all are due for the access review within its window.
    db.session.execute(db.update(Membership).values(created_at=utcnow() - timedelta(days=85)))
    db.session.commit()

    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    for path in ("/login/forgot-password", "/login/forgot-username", "/login/signed-out?after=15"):
        page.goto(url + path)
        check_page(page, path.strip("/").replace("/", "-").split("?")[0], "pages")
    page.goto(url + "/no-such-page")
    check_page(page, "error-404", "pages")

    sign_in(page, url, "a.long.username.for.the.office.administrator")
    enroll_authenticator(page)
    page.wait_for_url(url + "/")
    page.click("text=Manage members and invitations")
    check_page(page, "members", "pages")
    page.fill("#invite-email", "newcomer@rowan.test")
    page.click("text=Send invitation")
    expect(page.locator("main")).to_contain_text("Invitation sent")
    check_page(page, "members-after-invitation", "pages")
    page.click("#members a >> nth=0")
    check_page(page, "member", "pages")
    page.goto(url + f"/orgs/{org.id}/access-review")
    expect(page.locator("#confirm-all")).to_contain_text("All 4 members shown")
    check_page(page, "access-review", "pages")
    page.goto(url + f"/orgs/{org.id}/audit")
    check_page(page, "office-audit", "pages")
    page.click("#audit-entries a >> nth=0")
    check_page(page, "office-audit-entry", "pages")
    page.goto(url + "/mfa")
    check_page(page, "two-step-settings", "pages")
    page.goto(url + "/account/password")
    check_page(page, "change-password", "pages")
    query = {
        "client_id": "outside",
        "response_type": "code",
        "scope": "openid profile",
        "redirect_uri": redirect,
        "state": "s",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
    page.goto(url + "/oauth/authorize?" + urlencode(query))
    expect(page.locator("h1")).to_contain_text("Outside Scheduler")
    check_page(page, "consent", "pages")
    page.goto(url + "/oauth/authorize?client_id=nobody")
    check_page(page, "oauth-error", "pages")

    invited = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    invited.goto(mail.last_link("newcomer@rowan.test", "/invitations/"))
    check_page(invited, "invitation-accept", "pages")
    invited.click("button[type=submit]")  # every field empty: all errors at once
    check_page(invited, "invitation-errors", "pages")
    invited.context.close()
    context.close()

    admin = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    sign_in(admin, url, "sam")
    enroll_authenticator(admin)
    for path in (
        "/admin",
        "/admin/overview",
        "/admin/organizations",
        "/admin/users?q=",
        "/admin/clients",
        "/admin/clients/new",
        "/admin/keys",
        "/admin/audit",
        "/admin/audit?since=yesterday&outcome=maybe",
    ):
        admin.goto(url + path)
        name = "admin" + path.replace("/admin", "").replace("/", "-").split("?")[0]
        check_page(admin, name + ("-errors" if "?since" in path else ""), "pages")
    admin.goto(url + "/admin/audit")
    admin.click("#audit-entries a >> nth=0")
    check_page(admin, "admin-audit-entry", "pages")
    admin.context.close()
