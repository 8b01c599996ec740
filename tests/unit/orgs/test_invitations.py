"""Invitations, called directly (no HTTP, no request context)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from idp.accounts.fields import FieldErrors
from idp.common.tokens import token_hash
from idp.errors import Conflict
from idp.extensions import db
from idp.orgs import invitations, store
from idp.orgs.forms import new_account_form
from tests.factories import add_member, make_org
from tests.http.orgs.helpers import make_person
from tests.unit.orgs.support import token_from

NEW_ACCOUNT = {
    "username": "staffer",
    "display_name": "Stef Staff",
    "password": "stef's long passphrase",
    "password_confirm": "stef's long passphrase",
}


def test_invitation_lifecycle(settings, mailer, clock, mail, office):
    org, admin = office
    invitation = invitations.invite(
        settings, admin, org.id, "Staff@Svc.test", "billing", mailer=mailer, clock=clock
    )
    assert invitation.email == "staff@svc.test"
    [sent] = mail.wait_for("staff@svc.test")
    assert sent["Subject"] == "You are invited to join Service Clinic"
    assert f"{admin.display_name} invited you to join Service Clinic" in mail.text(sent)
    assert "as Billing." in mail.text(sent) and "expires in 7 days" in mail.text(sent)
    token = token_from(mail, "staff@svc.test", "/invitations/")
    assert invitation.token_hash == token_hash(token)
    assert invitations.open_invitation(token, clock=clock).id == invitation.id

    clock.advance(timedelta(days=7).total_seconds())
    with pytest.raises(invitations.InvitationGone, match="expired"):
        invitations.open_invitation(token, clock=clock)

    invitations.resend_invitation(
        settings, admin, org.id, invitation.id, mailer=mailer, clock=clock
    )
    new_token = token_from(mail, "staff@svc.test", "/invitations/")
    assert new_token != token
    accepted = invitations.accept_with_new_account(
        new_token,
        new_account_form(NEW_ACCOUNT, email=invitation.email),
        settings=settings,
        clock=clock,
    )
    assert accepted.new_account and not accepted.mfa_required
    assert accepted.membership.role == "billing" and accepted.user.email_verified
    with pytest.raises(invitations.InvitationGone, match="already been used"):
        invitations.open_invitation(new_token, clock=clock)
    with pytest.raises(Conflict):
        invitations.revoke_invitation(settings, admin, org.id, invitation.id, clock=clock)


def test_a_new_account_names_every_refused_field(settings, mailer, clock, mail, office):
    org, admin = office
    make_person("staffer")
    invitations.invite(
        settings, admin, org.id, "new@svc.test", "office_admin", mailer=mailer, clock=clock
    )
    token = token_from(mail, "new@svc.test", "/invitations/")
    form = new_account_form({**NEW_ACCOUNT, "password_confirm": "other"}, email="new@svc.test")
    with pytest.raises(FieldErrors) as caught:
        invitations.accept_with_new_account(token, form, settings=settings, clock=clock)
    assert set(caught.value.errors) == {"username", "password_confirm"}
    form = new_account_form({**NEW_ACCOUNT, "username": "admin.two"}, email="new@svc.test")
    accepted = invitations.accept_with_new_account(token, form, settings=settings, clock=clock)
    assert accepted.mfa_required  # office administrators must use a second factor


def test_an_existing_account_joins_and_mfa_follows_the_office(settings, mailer, clock, mail):
    strict = make_org("Strict Clinic", mfa_required=True)
    admin = make_person("strict.admin")
    add_member(admin, strict, "office_admin")
    person = make_person("joiner", email="joiner@clinic.test")
    invitations.invite(
        settings, admin, strict.id, person.email, "front_desk", mailer=mailer, clock=clock
    )
    token = token_from(mail, person.email, "/invitations/")
    accepted = invitations.accept_as_existing_user(token, person, settings=settings, clock=clock)
    assert not accepted.new_account and accepted.mfa_required
    assert store.membership(person.id, strict.id).role == "front_desk"


def test_claiming_an_invitation_succeeds_once(settings, mailer, clock, mail, office):
    org, admin = office
    invitation = invitations.invite(
        settings, admin, org.id, "race@svc.test", "billing", mailer=mailer, clock=clock
    )
    assert store.claim_invitation(invitation.id, admin.id, clock.now()) is True
    assert store.claim_invitation(invitation.id, admin.id, clock.now()) is False
    db.session.rollback()
