"""The seeds' journey in a real browser at a phone's width (390 px), with the two demo
relying apps: register -> confirm the email (from the SMTP catcher) -> pending -> approval
by a security admin -> enroll -> dashboard -> app A -> app B without a password -> switch
office -> lockout message -> a password reset clears it -> sign out everywhere, both apps
signed out. Every page is checked with axe-core and for sideways scrolling, and a
screenshot per step is kept in test-artifacts/journey/."""

from __future__ import annotations

import threading

import pyotp
import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from examples.demo_rp.app import Demo, create_app
from idp.accounts.models import User
from idp.extensions import db
from idp.oauth.clients import client_service
from idp.orgs.models import Organization
from tests.e2e.conftest import enroll_authenticator
from tests.e2e.pagecheck import check_page, need_axe
from tests.factories import PASSWORD, add_member, make_org, make_user, npi_with_check_digit
from tests.support.mailcatcher import free_port

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}
NEW_PASSWORD = "a brand new passphrase 2026"


@pytest.fixture
def demo_apps(live_server):
    """The demo's two relying apps, on free ports, registered at the live idp."""
    app = live_server.app
    service = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
    apps, servers = [], []
    for title, client_id, public in (
        ("Eligibility checker", "demo-eligibility", False),
        ("Claims portal", "demo-claims", True),
    ):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        secret = service.add(
            name=f"{title} (demo)",
            client_id=client_id,
            redirect_uris=[base + "/callback"],
            post_logout_redirect_uris=[base + "/"],
            backchannel_logout_uri=base + "/backchannel-logout",
            first_party=True,
            **({"auth_method": "none"} if public else {}),
        ).secret
        demo = Demo(
            title,
            "demo",
            port,
            client_id,
            None if public else secret,
            "openid profile email organization",
            "#0b6c3a",
        )
        server = make_server("127.0.0.1", port, create_app(demo, live_server.url), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        apps.append(base)
        servers.append(server)
    yield apps
    for server in servers:
        server.shutdown()


def enroll_keeping_codes(page) -> list[str]:
    expect(page.locator("h1")).to_have_text("Set up two-step verification")
    totp = pyotp.TOTP(page.locator("code.secret").inner_text().strip())
    page.fill("#code", totp.now())
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Your recovery codes")
    return [c.inner_text() for c in page.locator("ul.recovery-codes code").all()]


def sign_in(page, url, username, password):
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_the_whole_journey_with_two_apps(live_server, browser, mail, demo_apps):
    need_axe()
    url = live_server.url
    app_a, app_b = demo_apps
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    n = iter(range(1, 100))

    def step(name: str) -> None:
        check_page(page, f"{next(n):02d}-{name}", "journey")

    # Register the practice.
    page.goto(url + "/login")
    step("sign-in")
    page.click("text=Register your practice")
    values = {
        "legal_name": "Juniper Family Practice",
        "tax_id": "12-3450001",
        "npi": npi_with_check_digit("154321098"),
        "address_line1": "4 Juniper Road",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
        "display_name": "Jules Juniper",
        "email": "jules@juniper.test",
        "username": "jules",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    step("register")
    for name, value in values.items():
        page.fill(f"#{name}", value)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Check your email")
    step("registered")

    # Confirm the address from the emailed link.
    page.goto(mail.last_link("jules@juniper.test", "/verify-email/"))
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Email address confirmed")
    step("email-confirmed")

    # Signing in shows where the registration stands, before any authenticator.
    sign_in(page, url, "jules", PASSWORD)
    expect(page.locator("h1")).to_have_text("Your registration is under review")
    expect(page.locator("ol.steps")).to_contain_text("Under review")
    step("pending")

    # A security admin approves.
    make_user("sam", platform_role="security_admin")
    admin = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    sign_in(admin, url, "sam", PASSWORD)
    enroll_authenticator(admin)
    admin.goto(url + "/admin/organizations")
    admin.click("button:has-text('Approve')")
    expect(admin.locator("h1")).to_contain_text("is approved")
    check_page(admin, f"{next(n):02d}-approved-by-security-admin", "journey")
    admin.context.close()

    # The registrant signs in, enrolls, and lands on the dashboard.
    sign_in(page, url, "jules", PASSWORD)
    codes = enroll_keeping_codes(page)
    step("recovery-codes")
    page.click("text=Continue")
    page.wait_for_url(url + "/")
    expect(page.locator("#active-office h2")).to_have_text("Juniper Family Practice")
    step("dashboard")

    # App A, then app B without a password.
    page.goto(app_a + "/")
    page.click("button[type=submit]")
    page.wait_for_url(app_a + "/")
    expect(page.locator("#office")).to_have_text("Juniper Family Practice")
    expect(page.locator("#role")).to_have_text("office_admin")
    step("app-a")
    page.goto(app_b + "/")
    page.click("button[type=submit]")
    page.wait_for_url(app_b + "/")
    expect(page.locator("#username")).to_have_text("jules")
    step("app-b-without-password")

    # A second office: switch, see it confirmed and carried to an app.
    jules = db.session.scalar(db.select(User).where(User.username == "jules"))
    second = make_org("Hawthorn Billing Group")
    add_member(jules, second, "billing")
    db.session.commit()
    page.goto(url + "/")
    page.select_option("#org_id", second.id)
    page.click("text=Switch office")
    expect(page.locator(".flash")).to_have_text("You are now working for Hawthorn Billing Group.")
    expect(page.locator(".working-for")).to_contain_text("Hawthorn Billing Group")
    step("switched-office")
    page.goto(app_b + "/login")
    page.wait_for_url(app_b + "/")
    expect(page.locator("#office")).to_have_text("Hawthorn Billing Group")
    expect(page.locator("#role")).to_have_text("billing")
    step("app-b-new-office")

    # Someone else at this address guesses: the page says this browser is locked out.
    other = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    for _ in range(5):
        sign_in(other, url, "jules", "not the password at all")
    expect(other.locator("#login-error")).to_contain_text("Too many attempts from this browser")
    expect(other.locator("#login-error")).to_contain_text("or reset your password")
    check_page(other, f"{next(n):02d}-lockout-message", "journey")

    # A completed reset lifts the lock.
    other.click("text=Forgot your password?")
    other.fill("#identifier", "jules")
    other.click("button[type=submit]")
    mail.wait_for("jules@juniper.test", count=3)  # confirm, approved, reset (sent detached)
    other.goto(mail.last_link("jules@juniper.test", "/reset-password/"))
    check_page(other, f"{next(n):02d}-reset-password", "journey")
    other.fill("#password", NEW_PASSWORD)
    other.fill("#confirm", NEW_PASSWORD)
    other.click("button[type=submit]")
    sign_in(other, url, "jules", NEW_PASSWORD)
    expect(other.locator("h1")).to_have_text("Two-step verification")
    check_page(other, f"{next(n):02d}-second-step-after-reset", "journey")
    other.fill("#code", codes[0])
    other.click("button[type=submit]")
    other.wait_for_url(url + "/")
    check_page(other, f"{next(n):02d}-reset-cleared-the-lock", "journey")

    # The reset signed the first browser out everywhere; sign in to both apps again, here.
    for rp in (app_a, app_b):
        other.goto(rp + "/login")
        other.wait_for_url(rp + "/")
        expect(other.locator("#username")).to_have_text("jules")

    # Sign out everywhere from the account page: both apps are signed out too.
    other.goto(url + "/account")
    check_page(other, f"{next(n):02d}-account", "journey")
    other.click("text=Sign out everywhere")
    for name, rp in (("app-a", app_a), ("app-b", app_b)):
        other.goto(rp + "/")
        expect(other.locator("#signed-out")).to_be_visible()
        check_page(other, f"{next(n):02d}-{name}-signed-out", "journey")
    other.goto(url + "/")
    expect(other.locator("h1")).to_have_text("Sign in")
    other.context.close()
    context.close()
    org = db.session.scalar(db.select(Organization).where(Organization.legal_name.like("Jun%")))
    assert org.status == "approved"
