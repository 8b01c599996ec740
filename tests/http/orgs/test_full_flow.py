"""The whole life of a practice over HTTP, with CSRF on and mail through real SMTP:
register -> verify the address from the emailed link -> a security admin approves ->
the office administrator signs in -> invites staff -> staff accept from the emailed link."""

from __future__ import annotations

import time

from idp.accounts.models import User
from idp.audit.service import events
from idp.extensions import db
from idp.orgs.models import Invitation, Membership, Organization
from tests.http.orgs.helpers import csrf_from, make_person, path_of, post_form, registration
from tests.support.auth import login_as
from tests.support.signin import enroll_via_pages


def test_register_verify_approve_invite_accept(app, make_app, mail):
    form = registration(1)
    office = app.test_client()

    # 1. Register: the practice is pending and the administrator's email unverified.
    response = post_form(office, "/register", form)
    assert response.status_code == 200, response.data
    assert b"Check your email" in response.data
    org = db.session.scalar(db.select(Organization))
    admin = db.session.scalar(db.select(User).where(User.username == "maple.admin1"))
    assert org.status == "pending" and org.npi == form["npi"] and org.tax_id == form["tax_id"]
    assert admin.status == "pending_email" and not admin.email_verified
    assert [m.role for m in admin.memberships] == ["office_admin"]

    # Signing in before verifying does not work.
    response = post_form(
        office, "/login", {"username": "maple.admin1", "password": form["password"]}
    )
    assert response.status_code == 401

    # 2. Verify from the emailed link (GET shows a button; POST uses the link).
    link = path_of(mail.last_link("admin1@maple.test", "/verify-email/"))
    assert b"Confirm" in office.get(link).data
    response = post_form(office, link, {})
    assert response.status_code == 200
    assert b"pending approval" in response.data
    db.session.expire_all()
    assert admin.email_verified and admin.status == "active"
    assert office.get(link).status_code == 410  # single use

    # 3. Signed in, the administrator sees the pending-approval page, not the dashboard.
    # Office administrators must enroll an authenticator before their first session.
    response = post_form(
        office, "/login", {"username": "maple.admin1", "password": form["password"]}
    )
    # The status comes first: where the registration stands, its reference, who reviews it.
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login/registration")
    status = office.get("/login/registration").get_data(as_text=True)
    assert "Your registration is under review" in status and "Maple Pediatrics 1 PLLC" in status
    assert "REG-" + org.id[:8].upper() in status and "provider relations team" in status
    assert '<li class="done">Email address confirmed</li>' in status
    assert 'aria-current="step">Under review' in status
    assert org.created_at.strftime("%d %b %Y") in status
    assert "/mfa/enroll" in status
    totp = enroll_via_pages(office, post_form)
    page = office.get("/")
    assert b"Your registration is under review" in page.data
    assert b"Maple Pediatrics 1 PLLC" in page.data and b"Set up two-step" not in page.data
    assert office.get(f"/orgs/{org.id}/members").status_code == 403

    # 4. A security admin approves; the administrator is emailed.
    secadmin = make_person("sec", platform_role="security_admin")
    sec = app.test_client()
    login_as(sec, secadmin)
    listing = sec.get("/admin/organizations")
    assert listing.status_code == 200 and b"Maple Pediatrics 1 PLLC" in listing.data
    response = post_form(
        sec, f"/admin/organizations/{org.id}/approve", {}, page="/admin/organizations"
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert org.status == "approved" and org.decided_by_id == secadmin.id
    approved_mail = mail.wait_for("admin1@maple.test", count=2)[-1]
    assert "approved" in approved_mail["Subject"]

    # 5. The administrator signs in and sees the dashboard of the office.
    # A new sign-in asks for the authenticator's code.
    office.post("/logout", data={"csrf_token": csrf_from(office.get("/").data)})
    response = post_form(
        office, "/login", {"username": "maple.admin1", "password": form["password"]}
    )
    assert response.headers["Location"].endswith("/login/verify")
    response = post_form(office, "/login/verify", {"code": totp.at(time.time() + 30)})
    assert response.status_code == 302
    page = office.get("/").data.decode()
    assert "Maple Pediatrics 1 PLLC" in page
    assert form["npi"] in page
    assert "*****" + form["tax_id"][-4:] in page and form["tax_id"] not in page
    assert "Office administrator" in page
    assert f"/orgs/{org.id}/members" in page

    # 6. Invite a front-desk person.
    members = f"/orgs/{org.id}/members"
    response = post_form(
        office,
        f"/orgs/{org.id}/invitations",
        {"email": "Frankie@Maple.test", "role": "front_desk"},
        page=members,
    )
    assert response.status_code == 200 and b"Invitation sent" in response.data
    invitation = db.session.scalar(db.select(Invitation))
    assert invitation.email == "frankie@maple.test" and invitation.role == "front_desk"
    invite_link = path_of(mail.last_link("frankie@maple.test", "/invitations/"))
    assert invitation.token_hash not in invite_link

    # 7. Staff accept on another instance: account created, signed in, member of the office.
    staff = make_app().test_client()
    page = staff.get(invite_link)
    assert page.status_code == 200 and b"Maple Pediatrics 1 PLLC" in page.data
    response = post_form(
        staff,
        invite_link,
        {
            "username": "frankie",
            "display_name": "Frankie Front",
            "password": "frankie's long passphrase",
            "password_confirm": "frankie's long passphrase",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = staff.get("/").data.decode()
    assert "Welcome, Frankie Front" in page and "Front desk" in page
    assert "Maple Pediatrics 1 PLLC" in page
    frankie = db.session.scalar(db.select(User).where(User.username == "frankie"))
    assert frankie.email == "frankie@maple.test" and frankie.email_verified
    membership = db.session.scalar(db.select(Membership).where(Membership.user_id == frankie.id))
    assert membership.org_id == org.id and membership.role == "front_desk"

    # The link is spent.
    assert staff.get(invite_link).status_code == 410

    names = [e.event for e in events()]
    for expected in (
        "org.registered",
        "account.email_verified",
        "org.approved",
        "org.invitation.created",
        "org.invitation.accepted",
        "org.member.added",
    ):
        assert expected in names, expected


def test_a_rejected_registrant_learns_it_before_any_authenticator(app):
    from tests.factories import PASSWORD, add_member, make_org, make_user

    org = make_org("Turned Down Dental", status="rejected", decision_reason="NPI not found")
    person = make_user("tdd.admin")
    add_member(person, org, "office_admin")
    client = app.test_client()
    response = post_form(client, "/login", {"username": "tdd.admin", "password": PASSWORD})
    assert response.headers["Location"].endswith("/login/registration")
    page = client.get("/login/registration").get_data(as_text=True)
    assert "Registration not approved" in page and "NPI not found" in page
    assert "Turned Down Dental" in page and "Set up two-step" not in page
    # without a half-done sign-in there is nothing to show
    assert app.test_client().get("/login/registration").status_code == 302


def test_signing_out_from_the_status_page_ends_the_half_done_sign_in(app):
    from tests.factories import PASSWORD, add_member, make_org, make_user

    org = make_org("Waiting Room Clinic", status="pending")
    add_member(make_user("wrc.admin"), org, "office_admin")
    client = app.test_client()
    post_form(client, "/login", {"username": "wrc.admin", "password": PASSWORD})
    page = client.get("/login/registration")
    assert page.status_code == 200
    post_form(client, "/logout", {}, page="/login/registration")
    assert client.get("/login/registration").status_code == 302
    assert client.get("/mfa/enroll").status_code == 302
