"""The organization services, called directly (no HTTP, no request context)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from idp.accounts.fields import FieldErrors
from idp.accounts.models import User
from idp.accounts.verification import service as verification
from idp.accounts.verification.models import EmailVerification
from idp.audit.service import events
from idp.common.clock import FixedClock
from idp.common.tokens import token_hash
from idp.errors import Conflict, Forbidden
from idp.extensions import db
from idp.login.sessions import SessionStore
from idp.mail import build_mailer
from idp.orgs import service, store
from idp.orgs.models import Membership, Organization
from idp.state import shared_state
from tests.factories import add_member, make_org
from tests.http.orgs.helpers import make_person, registration
from tests.support.mailcatcher import LINK, free_port


@pytest.fixture
def settings(app):
    return app.config["IDP_SETTINGS"]


@pytest.fixture
def mailer(settings):
    return build_mailer(settings)


@pytest.fixture
def clock():
    return FixedClock()


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _token_from(mail, address, marker):
    link = [u for u in LINK.findall(mail.text(mail.wait_for(address)[-1])) if marker in u][0]
    return link.rsplit("/", 1)[1]


def test_register_practice_writes_everything_in_one_go(settings, mailer, clock, mail):
    result = service.register_practice(
        registration(1), settings=settings, mailer=mailer, clock=clock, ip="192.0.2.1"
    )
    org, user = result.organization, result.user
    assert org.status == "pending" and user.status == "pending_email"
    assert store.membership(user.id, org.id).role == "office_admin"
    token = _token_from(mail, user.email, "/verify-email/")
    assert len(token) >= 43  # 256 bits, URL-safe base64
    record = db.session.scalar(db.select(EmailVerification))
    assert record.token_hash == token_hash(token) and record.purpose == "registration"
    [registered] = events("org.registered")
    assert registered.org_id == org.id and registered.ip == "192.0.2.1"


def test_register_practice_rolls_back_when_mail_fails(settings, clock):
    from idp.mail.smtp import SmtpMailer

    broken = SmtpMailer("idp@test", "127.0.0.1", free_port(), starttls=False, timeout=2)
    with pytest.raises(service.MailUnavailable):
        service.register_practice(registration(2), settings=settings, mailer=broken, clock=clock)
    assert _count(Organization) == _count(User) == _count(Membership) == 0
    assert _count(EmailVerification) == 0 and events() == []


def test_duplicate_practice_is_refused_without_details(settings, mailer, clock, mail):
    form = registration(3)
    service.register_practice(form, settings=settings, mailer=mailer, clock=clock)
    other = registration(4, tax_id=form["tax_id"], npi=form["npi"])
    with pytest.raises(FieldErrors) as caught:
        service.register_practice(other, settings=settings, mailer=mailer, clock=clock)
    assert caught.value.errors == {"practice": service.DUPLICATE_PRACTICE}
    assert _count(Organization) == 1


def test_verification_link_expires_and_works_once(settings, mailer, clock, mail):
    result = service.register_practice(
        registration(5), settings=settings, mailer=mailer, clock=clock
    )
    token = _token_from(mail, result.user.email, "/verify-email/")
    clock.advance(timedelta(hours=24).total_seconds() + 1)
    with pytest.raises(verification.LinkGone):
        verification.confirm(token, clock=clock)
    clock.advance(-10)
    verification.confirm(token, clock=clock)
    assert result.user.status == "active" and result.user.email_verified
    with pytest.raises(verification.LinkGone):
        verification.confirm(token, clock=clock)


def test_decide_needs_the_platform_permission(settings, mailer, clock, mail):
    org = make_org("Waiting", status="pending")
    admin = make_person("waiting.admin")
    add_member(admin, org, "office_admin")
    for not_allowed in (make_person("nobody"), admin):
        with pytest.raises(Forbidden):
            service.decide(
                org.id, not_allowed, approve=True, settings=settings, mailer=mailer, clock=clock
            )
    sec = make_person("sec", platform_role="security_admin")
    with pytest.raises(FieldErrors):
        service.decide(
            org.id, sec, approve=False, reason="", settings=settings, mailer=mailer, clock=clock
        )
    service.decide(org.id, sec, approve=True, settings=settings, mailer=mailer, clock=clock)
    assert org.status == "approved" and verification.as_utc(org.decided_at) == clock.now()
    assert "approved" in mail.wait_for(admin.email)[-1]["Subject"]
    with pytest.raises(Conflict):
        service.decide(
            org.id, sec, approve=False, reason="late", settings=settings, mailer=mailer, clock=clock
        )


@pytest.fixture
def office(app):
    org = make_org("Service Clinic")
    admin = make_person("svc.admin")
    add_member(admin, org, "office_admin")
    return org, admin


def test_invitation_lifecycle(settings, mailer, clock, mail, office):
    org, admin = office
    invitation = service.invite(
        org.id, admin, "Staff@Svc.test", "billing", settings=settings, mailer=mailer, clock=clock
    )
    assert invitation.email == "staff@svc.test"
    token = _token_from(mail, "staff@svc.test", "/invitations/")
    assert invitation.token_hash == token_hash(token)
    assert service.open_invitation(token, clock=clock).id == invitation.id

    clock.advance(timedelta(days=7).total_seconds())
    with pytest.raises(service.InvitationGone, match="expired"):
        service.open_invitation(token, clock=clock)

    service.resend_invitation(
        org.id, invitation.id, admin, settings=settings, mailer=mailer, clock=clock
    )
    new_token = _token_from(mail, "staff@svc.test", "/invitations/")
    assert new_token != token
    accepted = service.accept_with_new_account(
        new_token,
        {
            "username": "staffer",
            "display_name": "Stef Staff",
            "password": "stef's long passphrase",
            "password_confirm": "stef's long passphrase",
        },
        settings=settings,
        clock=clock,
    )
    assert accepted.new_account and not accepted.mfa_required
    assert accepted.membership.role == "billing" and accepted.user.email_verified
    with pytest.raises(service.InvitationGone, match="already been used"):
        service.open_invitation(new_token, clock=clock)
    with pytest.raises(Conflict):
        service.revoke_invitation(org.id, invitation.id, admin, settings=settings, clock=clock)


def test_claiming_an_invitation_succeeds_once(settings, mailer, clock, mail, office):
    org, admin = office
    invitation = service.invite(
        org.id, admin, "race@svc.test", "billing", settings=settings, mailer=mailer, clock=clock
    )
    assert store.claim_invitation(invitation.id, admin.id, clock.now()) is True
    assert store.claim_invitation(invitation.id, admin.id, clock.now()) is False
    db.session.rollback()


def test_mfa_required_follows_the_role_and_the_office(settings):
    relaxed = make_org("Relaxed")
    strict = make_org("Strict", mfa_required=True)
    assert service.mfa_required_for(settings, relaxed, "office_admin") is True
    assert service.mfa_required_for(settings, relaxed, "front_desk") is False
    assert service.mfa_required_for(settings, strict, "front_desk") is True


def test_switch_office_updates_the_stored_session(settings, app, office):
    org, admin = office
    other = make_org("Second")
    add_member(admin, other, "clinician")
    sessions = SessionStore(shared_state())
    session = sessions.create(
        admin.id, ["pwd"], idle_seconds=900, absolute_seconds=3600, active_org_id=org.id
    )
    service.switch_office(sessions, session, admin, other.id, settings=settings, ip="192.0.2.9")
    assert sessions.get(session.sid).active_org_id == other.id
    assert [e.org_id for e in events("org.switched")] == [other.id]
    with pytest.raises(Forbidden):
        service.switch_office(sessions, session, admin, make_org("Third").id, settings=settings)
    assert sessions.get(session.sid).active_org_id == other.id


def test_active_office_falls_back_when_the_membership_is_gone(settings, office):
    org, admin = office
    other = make_org("Other")
    add_member(admin, other, "billing")
    assert service.active_office(settings, admin, other.id).organization.id == other.id
    assert service.active_office(settings, admin, "gone").organization.id == org.id


def test_org_scopes_end_with_the_membership(settings, office):
    org, admin = office
    desk = make_person("desk")
    member = add_member(desk, org, "front_desk")
    assert service.org_scopes(settings, desk.id, org.id) == {
        "eligibility",
        "prior_auth",
        "messages",
    }
    service.change_role(org.id, member.id, admin, "billing", settings=settings)
    assert "claims" in service.org_scopes(settings, desk.id, org.id)
    service.remove_member(org.id, member.id, admin, settings=settings)
    assert service.org_scopes(settings, desk.id, org.id) == frozenset()
    assert service.org_scopes(settings, desk.id, None) == frozenset()
