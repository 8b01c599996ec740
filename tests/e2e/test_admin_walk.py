"""The admin walk in a real browser, with a screenshot of every step: a security admin reads
the duplicate-TIN flag and approves, registers a client and sees its secret once (not on
reload, not on the client's page), rotates a key; an office administrator resets a staff
member's two-step verification and sets an access end date.

Screenshots: ``test-artifacts/admin-walk/NN-step.png`` under the repository root (the test
prints the folder; CI keeps it as an artifact)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect

from idp.common.clock import FixedClock, utcnow
from idp.extensions import db
from idp.jwk.keyring import KeyRing
from idp.mfa.store import has_mfa
from idp.oauth.models import OAuthClient
from idp.orgs.models import Membership, Organization
from tests.e2e.conftest import enroll_authenticator
from tests.factories import PASSWORD, add_member, make_org, make_user
from tests.support.signin import enroll_totp

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "admin-walk"


class Shots:
    def __init__(self, page):
        self.page = page
        self.n = 0

    def take(self, step: str) -> None:
        self.n += 1
        path = ARTIFACTS / f"{self.n:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000


def _sign_in(page, url: str, username: str) -> None:
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    enroll_authenticator(page)


def test_admin_walk(live_server, browser, app):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    print(f"\nadmin walk screenshots: {ARTIFACTS}")
    url = live_server.url
    known = make_org("Juniper Family Practice")
    pending = make_org("Juniper Family Practice of Springfield", status="pending")
    pending.tax_id = known.tax_id
    db.session.commit()
    make_user("sam", platform_role="security_admin")
    boss = make_user("mags")
    temp = make_user("temp", display_name="Tess Temp", password=None)
    add_member(boss, known, "office_admin")
    temp_m = add_member(temp, known, "front_desk")
    enroll_totp(temp, FixedClock())
    ring = KeyRing(app.config["IDP_SETTINGS"].keys_path)
    before_active = ring.ensure_active("ES256").kid

    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    shots = Shots(page)

    # A security admin: the duplicate-TIN flag, then approve.
    _sign_in(page, url, "sam")
    page.wait_for_url(url + "/admin")
    shots.take("security-console")
    page.goto(url + "/admin/organizations")
    row = page.locator(f"#org-{pending.id}")
    expect(row.locator(".flag")).to_contain_text("this TIN")
    expect(row.locator(".flag")).to_contain_text(known.legal_name)
    shots.take("duplicate-tin-flag")
    row.locator("button:has-text('Approve')").click()
    if page.locator("input[name=confirmed]").count():
        shots.take("approve-confirmation")
        page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("approved", ignore_case=True)
    shots.take("approved")
    db.session.expire_all()
    assert db.session.get(Organization, pending.id).status == "approved"

    # A client: the secret once.
    page.goto(url + "/admin/clients/new")
    page.fill("#name", "Claims portal")
    page.fill("#client_id", "claims-portal")
    page.fill("#redirect_uris", "https://claims.example/cb")
    shots.take("client-form")
    page.click("main button[type=submit]")
    secret = page.locator("#client-secret").inner_text().strip()
    assert len(secret) > 30
    expect(page.locator("main")).to_contain_text("only time the secret is shown")
    shots.take("client-secret-once")
    page.reload()
    assert secret not in page.content()
    shots.take("client-secret-not-on-reload")
    page.goto(url + "/admin/clients/claims-portal")
    assert secret not in page.content()
    shots.take("client-page-without-secret")
    assert db.session.get(OAuthClient, "claims-portal") is not None

    # Rotate a key.
    page.goto(url + "/admin/keys")
    shots.take("keys")
    page.click("button:has-text('Rotate')")
    shots.take("rotate-confirmation")
    page.click("main button[type=submit]")
    expect(page.locator("[role=status]").first).to_contain_text("now signs tokens")
    shots.take("key-rotated")
    states = {s.kid: s.state for s in ring.states()}
    assert states[before_active] == "retired"
    context.close()

    # An office administrator: reset a staff member's MFA, set an access end date.
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    shots.page = page
    _sign_in(page, url, "mags")
    page.wait_for_url(url + "/")
    page.click("text=Manage members and invitations")
    expect(page.locator("#members")).to_contain_text("Tess Temp")
    shots.take("office-members")
    page.click(f"#member-{temp_m.id} >> text=Manage")
    page.click("text=Reset two-step verification")
    expect(page.locator("main")).to_contain_text("recovery codes stop working")
    shots.take("mfa-reset-confirmation")
    page.click("button:has-text('Reset two-step verification')")
    expect(page.locator("[role=status]")).to_contain_text("Two-step verification was reset")
    shots.take("mfa-reset")
    page.click(f"#member-{temp_m.id} >> text=Manage")
    ends = (utcnow() + timedelta(days=14)).date().isoformat()
    page.fill("#access_ends_on", ends)
    shots.take("access-end-date-form")
    page.click("button:has-text('Save end date')")
    expect(page.locator("[role=status]")).to_contain_text(f"Access ends at the end of {ends}")
    shots.take("access-end-date-set")
    context.close()

    db.session.expire_all()
    assert not has_mfa(temp)
    assert db.session.get(Membership, temp_m.id).access_ends_on.isoformat() == ends
    assert len(list(ARTIFACTS.glob("*.png"))) == shots.n
