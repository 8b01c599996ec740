"""Invitations: sending, expiry, revocation, re-sending, reuse, existing accounts, MFA."""

from __future__ import annotations

from datetime import timedelta

import pytest

from idp.accounts.models import User
from idp.audit.service import events
from idp.common.clock import utcnow
from idp.extensions import db
from idp.login.current import cookie_name, store
from idp.orgs.models import Invitation, Membership
from tests.factories import PASSWORD, add_member, make_org
from tests.http.orgs.helpers import (
    make_person,
    path_of,
    post_form,
    signed_in_post,
)
from tests.support.auth import login_as

NEW_ACCOUNT = {
    "username": "newbie",
    "display_name": "Nina Newbie",
    "password": "nina's long passphrase",
    "password_confirm": "nina's long passphrase",
}


@pytest.fixture
def office(app):
    org = make_org("Birch Clinic")
    admin = make_person("birch.admin")
    add_member(admin, org, "office_admin")
    return org, admin


@pytest.fixture
def admin_client(app, office):
    client = app.test_client()
    login_as(client, office[1])
    return client


def invite(admin_client, org, email, role="front_desk"):
    return signed_in_post(
        admin_client, f"/orgs/{org.id}/invitations", {"email": email, "role": role}
    )


def invitation_link(mail, email):
    return path_of(mail.last_link(email, "/invitations/"))


def test_invitation_form_is_validated(admin_client, office, mail):
    org, admin = office
    response = invite(admin_client, org, "not an address", role="front_desk")
    assert response.status_code == 400 and b'id="invite-email-error"' in response.data
    assert b'value="not an address"' in response.data
    response = invite(admin_client, org, "x@birch.test", role="security_admin")
    assert response.status_code == 400 and b"Choose one of the roles" in response.data
    response = invite(admin_client, org, admin.email)
    assert response.status_code == 400 and b"already a member" in response.data
    assert db.session.scalar(db.select(db.func.count()).select_from(Invitation)) == 0

    assert invite(admin_client, org, "x@birch.test").status_code == 200
    again = invite(admin_client, org, "x@birch.test")
    assert again.status_code == 400 and b"already has a pending invitation" in again.data


def test_expired_invitation_is_refused(app, admin_client, office, mail):
    org, _ = office
    invite(admin_client, org, "late@birch.test")
    link = invitation_link(mail, "late@birch.test")
    invitation = db.session.scalar(db.select(Invitation))
    assert abs(
        invitation.expires_at.replace(tzinfo=None)
        - (utcnow() + timedelta(days=7)).replace(tzinfo=None)
    ) < timedelta(minutes=1)
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    staff = app.test_client()
    response = staff.get(link)
    assert response.status_code == 410 and b"expired" in response.data
    response = post_form(staff, link, NEW_ACCOUNT, page="/login")
    assert response.status_code == 410
    assert db.session.scalar(db.select(User).where(User.username == "newbie")) is None


def test_revoked_invitation_is_refused(app, admin_client, office, mail):
    org, _ = office
    invite(admin_client, org, "gone@birch.test")
    link = invitation_link(mail, "gone@birch.test")
    invitation = db.session.scalar(db.select(Invitation))
    response = signed_in_post(admin_client, f"/orgs/{org.id}/invitations/{invitation.id}/revoke")
    assert response.status_code == 200 and b"withdrawn" in response.data
    staff = app.test_client()
    response = staff.get(link)
    assert response.status_code == 410 and b"withdrawn" in response.data
    assert post_form(staff, link, NEW_ACCOUNT, page="/login").status_code == 410
    assert db.session.scalar(db.select(User).where(User.username == "newbie")) is None
    assert [e.data for e in events("org.invitation.revoked")]


def test_reused_invitation_is_refused(app, admin_client, office, mail):
    org, _ = office
    invite(admin_client, org, "once@birch.test")
    link = invitation_link(mail, "once@birch.test")
    first = app.test_client()
    assert post_form(first, link, NEW_ACCOUNT).status_code == 302
    second = app.test_client()
    assert second.get(link).status_code == 410
    response = post_form(second, link, {**NEW_ACCOUNT, "username": "other"}, page="/login")
    assert response.status_code == 410
    assert db.session.scalar(db.select(User).where(User.username == "other")) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 2


def test_resend_replaces_the_link_and_the_expiry(app, admin_client, office, mail):
    org, _ = office
    invite(admin_client, org, "again@birch.test")
    old_link = invitation_link(mail, "again@birch.test")
    invitation = db.session.scalar(db.select(Invitation))
    invitation.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    response = signed_in_post(admin_client, f"/orgs/{org.id}/invitations/{invitation.id}/resend")
    assert response.status_code == 200 and b"sent again" in response.data
    mail.wait_for("again@birch.test", count=2)
    new_link = invitation_link(mail, "again@birch.test")
    assert new_link != old_link
    staff = app.test_client()
    assert staff.get(old_link).status_code == 404
    assert post_form(staff, new_link, NEW_ACCOUNT).status_code == 302


def test_new_account_form_keeps_what_was_typed(app, admin_client, office, mail):
    org, _ = office
    make_person("taken")
    invite(admin_client, org, "typed@birch.test")
    link = invitation_link(mail, "typed@birch.test")
    staff = app.test_client()
    response = post_form(staff, link, {**NEW_ACCOUNT, "username": "taken", "password_confirm": "x"})
    assert response.status_code == 400
    html = response.data.decode()
    assert 'id="username-error"' in html and 'value="Nina Newbie"' in html
    assert "nina&#39;s long passphrase" not in html and "nina's long passphrase" not in html
    assert db.session.scalar(db.select(Invitation)).accepted_at is None


def test_existing_account_joins_after_signing_in(app, admin_client, office, mail):
    org, _ = office
    other_org = make_org("Cedar Clinic")
    existing = make_person("cedar.person", email="person@cedar.test")
    add_member(existing, other_org, "billing")
    invite(admin_client, org, "PERSON@cedar.test", role="billing")
    link = invitation_link(mail, "person@cedar.test")

    person = app.test_client()
    page = person.get(link)
    assert page.status_code == 200 and b"Sign in to accept" in page.data
    assert (
        db.session.scalar(
            db.select(Membership).where(
                Membership.org_id == org.id, Membership.user_id == existing.id
            )
        )
        is None
    )

    response = post_form(
        person, "/login", {"username": "cedar.person", "password": PASSWORD, "next": link}
    )
    assert response.status_code == 302 and response.headers["Location"] == link
    page = person.get(link)
    assert b"Accept and join" in page.data
    response = post_form(person, link, {})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    joined = db.session.scalar(
        db.select(Membership).where(Membership.org_id == org.id, Membership.user_id == existing.id)
    )
    assert joined.role == "billing"
    page = person.get("/").data.decode()
    assert "Birch Clinic" in page and "Cedar Clinic" in page  # switcher lists both


def test_someone_else_signed_in_cannot_take_the_invitation(app, admin_client, office, mail):
    org, _ = office
    make_person("invitee", email="invitee@birch.test")
    intruder = make_person("intruder")
    invite(admin_client, org, "invitee@birch.test")
    link = invitation_link(mail, "invitee@birch.test")
    client = app.test_client()
    login_as(client, intruder)
    assert client.get(link).status_code == 403
    assert signed_in_post(client, link).status_code == 403
    assert db.session.scalar(db.select(Membership).where(Membership.user_id == intruder.id)) is None


def test_roles_that_require_mfa_send_the_new_member_to_enrolment(make_app, mail):
    app = make_app()
    with app.app_context():
        org = make_org("Aspen Clinic")
        admin = make_person("aspen.admin")
        add_member(admin, org, "office_admin")
        admin_client = app.test_client()
        login_as(admin_client, admin)
        invite(admin_client, org, "deputy@aspen.test", role="office_admin")
        link = invitation_link(mail, "deputy@aspen.test")
        response = post_form(app.test_client(), link, NEW_ACCOUNT)
        assert response.status_code == 302, response.data.decode()[-1500:]
        assert response.headers["Location"] == "/mfa/enroll?next=/"
        db.session.remove()


@pytest.fixture
def strict(app):
    """An office with its own limits (5 idle minutes, an hour in all), and its signed-in
    administrator's client."""
    org = make_org("Strict Clinic", session_idle_minutes=5, session_absolute_minutes=60)
    boss = make_person("strict.boss")
    add_member(boss, org, "office_admin")
    client = app.test_client()
    login_as(client, boss)
    return org, client


def test_joining_as_an_existing_user_applies_the_offices_session_limits(app, strict, mail):
    org, boss_client = strict
    person = make_person("relaxed.person", email="person@relaxed.test")
    add_member(person, make_org("Relaxed Clinic"), "billing")
    client = app.test_client()
    session = login_as(client, person)
    assert session.idle_seconds == 15 * 60
    invite(boss_client, org, person.email, role="billing")
    response = post_form(client, invitation_link(mail, person.email), {})
    assert response.status_code == 302
    joined = store().get(client.get_cookie(cookie_name()).value)
    assert joined.active_org_id == org.id and joined.idle_seconds == 5 * 60
    assert joined.expires_at <= session.created_at + 60 * 60
    assert joined.public_id == session.public_id


def test_joining_with_a_new_account_applies_the_offices_session_limits(app, strict, mail):
    org, boss_client = strict
    invite(boss_client, org, "fresh@strict.test", role="billing")
    client = app.test_client()
    response = post_form(client, invitation_link(mail, "fresh@strict.test"), NEW_ACCOUNT)
    assert response.status_code == 302
    joined = store().get(client.get_cookie(cookie_name()).value)
    assert joined.active_org_id == org.id and joined.idle_seconds == 5 * 60
    assert joined.expires_at - joined.created_at == 60 * 60
