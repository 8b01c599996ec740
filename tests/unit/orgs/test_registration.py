"""Registering a practice, called directly (no HTTP, no request context)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from idp.accounts.fields import FieldErrors
from idp.accounts.models import User
from idp.accounts.verification import service as verification
from idp.accounts.verification.models import EmailVerification
from idp.audit.service import events
from idp.common.tokens import token_hash
from idp.extensions import db
from idp.orgs import effects, store
from idp.orgs.forms import practice_form
from idp.orgs.models import Membership, Organization
from idp.orgs.registration import DUPLICATE_PRACTICE, register_practice
from tests.factories import make_user
from tests.http.orgs.helpers import registration
from tests.support.mailcatcher import free_port
from tests.unit.orgs.support import count, token_from


def register(n: int, *, settings, mailer, clock, ip=None, **overrides):
    form = practice_form(registration(n, **overrides))
    return register_practice(form, settings=settings, mailer=mailer, clock=clock, ip=ip)


def test_register_practice_writes_everything_in_one_go(settings, mailer, clock, mail):
    result = register(1, settings=settings, mailer=mailer, clock=clock, ip="192.0.2.1")
    org, user = result.organization, result.user
    assert org.status == "pending" and user.status == "pending_email"
    assert store.membership(user.id, org.id).role == "office_admin"
    token = token_from(mail, user.email, "/verify-email/")
    assert len(token) >= 43  # 256 bits, URL-safe base64
    record = db.session.scalar(db.select(EmailVerification))
    assert record.token_hash == token_hash(token) and record.purpose == "registration"
    [registered] = events("org.registered")
    assert registered.org_id == org.id and registered.ip == "192.0.2.1"


def test_register_practice_rolls_back_when_mail_fails(settings, clock):
    from idp.mail.smtp import SmtpMailer

    broken = SmtpMailer("idp@test", "127.0.0.1", free_port(), starttls=False, timeout=2)
    with pytest.raises(effects.MailUnavailable):
        register(2, settings=settings, mailer=broken, clock=clock)
    assert count(Organization) == count(User) == count(Membership) == 0
    assert count(EmailVerification) == 0 and events() == []


def test_duplicate_practice_is_refused_without_details(settings, mailer, clock, mail):
    first = registration(3)
    register(3, settings=settings, mailer=mailer, clock=clock)
    with pytest.raises(FieldErrors) as caught:
        register(
            4,
            settings=settings,
            mailer=mailer,
            clock=clock,
            tax_id=first["tax_id"],
            npi=first["npi"],
        )
    assert caught.value.errors == {"practice": DUPLICATE_PRACTICE}
    assert count(Organization) == 1


def test_form_errors_and_database_refusals_are_reported_together(settings, mailer, clock):
    make_user("maple.admin5", password=None)
    with pytest.raises(FieldErrors) as caught:
        register(5, settings=settings, mailer=mailer, clock=clock, postal_code="6160")
    assert set(caught.value.errors) == {"postal_code", "username"}
    assert count(Organization) == 0


def test_a_known_address_creates_nothing_and_tells_its_owner(settings, mailer, clock, mail):
    owner = make_user("owner", email="admin6@maple.test", password=None)
    result = register(6, settings=settings, mailer=mailer, clock=clock)
    assert result.email == owner.email and result.organization is None
    assert count(Organization) == 0
    [notice] = mail.wait_for(owner.email)
    assert "tried to register" in notice["Subject"]
    text = mail.text(notice)
    assert f"Hello {owner.display_name}," in text
    assert "http://idp.test/login/forgot-password" in text and "/verify-email/" not in text


def test_verification_link_expires_and_works_once(settings, mailer, clock, mail):
    result = register(7, settings=settings, mailer=mailer, clock=clock)
    token = token_from(mail, result.user.email, "/verify-email/")
    clock.advance(timedelta(hours=24).total_seconds() + 1)
    with pytest.raises(verification.LinkGone):
        verification.confirm(token, clock=clock)
    clock.advance(-10)
    verification.confirm(token, clock=clock)
    assert result.user.status == "active" and result.user.email_verified
    with pytest.raises(verification.LinkGone):
        verification.confirm(token, clock=clock)
