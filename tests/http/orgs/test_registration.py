"""Registration and approval: every field checked server-side, duplicates, decisions."""

from __future__ import annotations

from html import unescape

import pytest

from idp.accounts.models import User
from idp.accounts.verification.models import EmailVerification
from idp.audit.service import events
from idp.extensions import db
from idp.orgs.models import Organization
from tests.factories import add_member, make_org
from tests.http.orgs.helpers import make_person, path_of, post_form, registration, signed_in_post
from tests.support.auth import login_as
from tests.support.signin import enroll_via_pages, strip_csrf

VALID_NPI = "1234567893"


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("npi", "1234567890", "check digit does not match"),
        ("npi", "123456789", "exactly 10 digits (you entered 9)"),
        ("npi", "12345678934", "exactly 10 digits (you entered 11)"),
        ("npi", "12345G7893", "only digits"),
        ("npi", "", "Enter the practice"),
        ("tax_id", "12345678", "exactly 9 digits (you entered 8)"),
        ("tax_id", "1234567890", "exactly 9 digits (you entered 10)"),
        ("tax_id", "12-34567AB", "only digits"),
        ("state", "Illinois", "two-letter state code"),
        ("postal_code", "6160", "ZIP code"),
        ("email", "not-an-address", "valid email address"),
        ("username", "a b", "3 to 64 characters"),
        ("legal_name", "   ", "Enter the practice's legal name"),
        ("password", "short", "at least 12 characters"),
    ],
)
def test_a_refused_field_is_named_next_to_it_and_nothing_is_saved(
    client, mail, field, value, message
):
    form = registration(2, **{field: value})
    if field == "password":
        form["password_confirm"] = value
    response = post_form(client, "/register", form)
    assert response.status_code == 400
    html = unescape(response.data.decode())
    assert f'id="{field}-error"' in html
    assert message in html
    assert _count(Organization) == 0 and _count(User) == 0
    # What was typed comes back, passwords never do.
    assert 'value="Morgan Maple 2"' in html
    assert "a long enough passphrase 42" not in html
    assert mail.to(form["email"]) == []


def test_valid_identifiers_with_separators_are_accepted(client, mail):
    response = post_form(
        client, "/register", registration(3, npi="1234 567 893", tax_id="12-3456789")
    )
    assert response.status_code == 200
    org = db.session.scalar(db.select(Organization))
    assert (org.npi, org.tax_id) == (VALID_NPI, "123456789")


def test_passwords_must_match(client):
    response = post_form(client, "/register", registration(4, password_confirm="something else!!"))
    assert response.status_code == 400
    assert b'id="password_confirm-error"' in response.data
    assert _count(User) == 0


def test_a_second_registration_of_the_same_practice_asks_for_an_invitation(client, mail):
    existing = make_org("Secret Name Clinic", tax_id="555666777", npi=VALID_NPI)
    form = registration(5, tax_id="555-66-6777", npi=VALID_NPI, legal_name="Another Name")
    response = post_form(client, "/register", form)
    assert response.status_code == 400
    html = response.data.decode()
    assert "Ask its office administrator to invite you" in html
    assert "Secret Name Clinic" not in html
    assert _count(Organization) == 1 and _count(User) == 0
    refused = events("org.registration_refused")
    assert len(refused) == 1 and refused[0].org_id == existing.id


def test_a_taken_username_is_refused(client):
    make_person("maple.admin6", email="someone-else@maple.test")
    response = post_form(client, "/register", registration(6))
    assert response.status_code == 400
    assert b'id="username-error"' in response.data and b'id="email-error"' not in response.data
    assert _count(Organization) == 0


def test_a_known_email_address_is_not_revealed_and_its_owner_is_told(client, mail):
    """The page is the one a new registrant sees; only the address's owner learns more."""
    owner = make_person("existing.owner", email="admin8@maple.test")
    fresh = post_form(client, "/register", registration(9))
    assert fresh.status_code == 200
    form = registration(8)
    assert form["email"] == owner.email
    response = post_form(client, "/register", form)
    assert response.status_code == 200
    assert b"Check your email" in response.data
    assert strip_csrf(response.data).replace(b"admin8@", b"admin9@") == strip_csrf(fresh.data)
    assert _count(Organization) == 1 and _count(User) == 2
    [notice] = mail.wait_for(owner.email)
    assert "tried to register" in notice["Subject"]
    assert "/verify-email/" not in mail.text(notice)
    assert [e.subject_id for e in events("org.registration_refused")] == [owner.id]


def test_mail_failure_leaves_nothing_behind(make_app):
    from tests.support.mailcatcher import free_port

    app = make_app(mail_smtp_port=free_port())  # nothing listens there
    client = app.test_client()
    with app.app_context():
        response = post_form(client, "/register", registration(7))
        assert response.status_code == 503
        assert b"nothing was saved" in response.data
        assert _count(Organization) == 0 and _count(User) == 0
        assert _count(EmailVerification) == 0
        db.session.remove()


def _register_and_get_link(client, mail, n):
    form = registration(n)
    assert post_form(client, "/register", form).status_code == 200
    return form, path_of(mail.last_link(form["email"], "/verify-email/"))


def test_verification_links_are_single_use_and_expire(app, client, mail):
    _, link = _register_and_get_link(client, mail, 8)
    assert client.get("/verify-email/not-a-real-token").status_code == 404
    verification = db.session.scalar(db.select(EmailVerification))
    assert len(verification.token_hash) == 64 and verification.token_hash not in link

    from datetime import timedelta

    from idp.common.clock import FixedClock

    later = FixedClock()
    later.advance(timedelta(hours=25).total_seconds())
    app.extensions["idp_clock"] = later
    assert client.get(link).status_code == 410
    assert post_form(client, link, {}, page="/register").status_code == 410
    del app.extensions["idp_clock"]

    assert post_form(client, link, {}).status_code == 200
    assert post_form(client, link, {}, page="/register").status_code == 410


def test_resend_replaces_the_link(client, mail):
    form, first = _register_and_get_link(client, mail, 9)
    response = post_form(client, "/verify-email/resend", {"email": form["email"]})
    assert b"a new link is on its way" in response.data
    mail.wait_for(form["email"], count=2)
    second = path_of(mail.last_link(form["email"], "/verify-email/"))
    assert second != first
    assert client.get(first).status_code == 410
    assert post_form(client, second, {}).status_code == 200
    # Unknown addresses get the same answer and no mail.
    response = post_form(client, "/verify-email/resend", {"email": "nobody@nowhere.test"})
    assert b"a new link is on its way" in response.data
    assert mail.to("nobody@nowhere.test") == []


def test_resending_is_limited_per_address(app, client, mail):
    limit = app.config["IDP_SETTINGS"].auth_mail_limit_per_recipient
    form, _ = _register_and_get_link(client, mail, 12)
    for _ in range(limit + 2):
        response = post_form(client, "/verify-email/resend", {"email": form["email"]})
        assert b"a new link is on its way" in response.data
    mail.wait_for(form["email"], count=1 + limit)
    assert len(mail.to(form["email"])) == 1 + limit


def _pending_org(client, mail, n):
    form, link = _register_and_get_link(client, mail, n)
    post_form(client, link, {})
    return form, db.session.scalar(
        db.select(Organization).where(Organization.legal_name == form["legal_name"])
    )


def test_rejection_needs_a_reason_and_emails_it(app, client, mail):
    form, org = _pending_org(client, mail, 10)
    sec = app.test_client()
    login_as(sec, make_person("sec", platform_role="security_admin"))
    action = f"/admin/organizations/{org.id}/reject"
    response = post_form(
        sec, action, {"reason": "  ", "confirmed": "yes"}, page="/admin/organizations"
    )
    assert response.status_code == 400
    assert b"Enter the reason" in response.data
    db.session.expire_all()
    assert org.status == "pending"

    reason = "The NPI belongs to a different practice."
    response = post_form(
        sec, action, {"reason": reason, "confirmed": "yes"}, page="/admin/organizations"
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert org.status == "rejected" and org.decision_reason == reason
    message = mail.wait_for(form["email"], count=2)[-1]
    assert "not approved" in message["Subject"] and reason in mail.text(message)
    assert [e.org_id for e in events("org.rejected")] == [org.id]

    # A decided organization cannot be decided again.
    again = post_form(sec, f"/admin/organizations/{org.id}/approve", {}, page="/admin")
    assert again.status_code == 409

    # The office administrator sees why, not a dashboard.
    # (after enrolling the authenticator every office administrator must have).
    post_form(client, "/login", {"username": form["username"], "password": form["password"]})
    enroll_via_pages(client, post_form)
    page = client.get("/").data.decode()
    assert "Registration not approved" in page and reason in page


def test_only_security_admins_see_and_decide_registrations(app, client, mail):
    _, org = _pending_org(client, mail, 11)
    other = make_org("Other Office")
    office_admin = make_person("olivia")
    add_member(office_admin, other, "office_admin")
    login_as(client, office_admin)
    assert client.get("/admin/organizations").status_code == 403
    response = signed_in_post(client, f"/admin/organizations/{org.id}/approve")
    assert response.status_code == 403
    db.session.expire_all()
    assert org.status == "pending"
    assert events("org.approved") == []
    assert b"Organizations awaiting approval" not in client.get("/").data


def test_resend_answers_alike_for_a_pending_account_when_the_mail_server_is_down(make_app):
    """The mail goes out in the background: a failing (or slow) mail server must not make
    the answer for an account awaiting verification differ from the one for anybody else."""
    from tests.support.mailcatcher import free_port

    app = make_app(mail_smtp_port=free_port())  # nothing listens there
    client = app.test_client()
    with app.app_context():
        make_person("waiting", status="pending_email")
        known = post_form(client, "/verify-email/resend", {"email": "waiting@clinic.test"})
        unknown = post_form(client, "/verify-email/resend", {"email": "nobody@clinic.test"})
        assert known.status_code == unknown.status_code == 200
        assert strip_csrf(known.data) == strip_csrf(unknown.data)
        db.session.remove()
