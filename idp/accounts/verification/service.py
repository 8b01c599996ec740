"""Email verification: at registration, for invitations, and to change an address.

A link carries a 256-bit random token; only its SHA-256 is stored. A link works once and
until it expires (``email_verification.ttl_hours``). Consuming it is one atomic UPDATE, so two
clicks racing on two instances cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from idp.accounts.events import own_action
from idp.accounts.fields import FieldErrors, check_email
from idp.accounts.mail_limits import MailLimits
from idp.accounts.models import User
from idp.accounts.passwords import verify_password
from idp.accounts.verification import store
from idp.accounts.verification.models import EmailVerification
from idp.common.clock import Clock, aware
from idp.common.tokens import random_token, token_hash
from idp.errors import Conflict, Gone, NotFound
from idp.extensions import db
from idp.mail.background import send_detached


class LinkGone(Gone):
    """The link existed but has been used or has expired."""


def verification_link(settings, token: str) -> str:
    return f"{settings.issuer}/verify-email/{token}"


def issue(user: User, email: str, purpose: str, *, settings, clock: Clock) -> str:
    """Add a link record to the unit of work and return the token (the caller mails it)."""
    now = clock.now()
    store.retire_unused(user.id, purpose, now)
    token = random_token(32)
    db.session.add(
        EmailVerification(
            user_id=user.id,
            email=email,
            purpose=purpose,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + timedelta(hours=settings.email_verification_ttl_hours),
        )
    )
    return token


def registration_values(settings, user: User, token: str) -> dict[str, object]:
    """What the ``registration_link`` message needs."""
    return {
        "name": user.shown_name,
        "link": verification_link(settings, token),
        "hours": settings.email_verification_ttl_hours,
    }


def send_registration_link(mailer, settings, user: User, token: str) -> None:
    mailer.send_template(
        user.email, "registration_link", **registration_values(settings, user, token)
    )


@dataclass
class Peek:
    verification: EmailVerification
    user: User


def peek(token: str, *, clock: Clock) -> Peek:
    """Look a link up without using it (the confirmation page); raises when unusable."""
    verification = store.by_token_hash(token_hash(token or ""))
    if verification is None:
        raise NotFound("This link is not valid. Check that you copied the whole link.")
    if verification.used_at is not None:
        raise LinkGone("This link has already been used.")
    if aware(verification.expires_at) <= clock.now():
        raise LinkGone("This link has expired. Ask for a new one.")
    user = db.session.get(User, verification.user_id)
    if user is None:
        raise NotFound("This link is not valid.")
    return Peek(verification, user)


def confirm(token: str, *, clock: Clock, ip: str | None = None) -> EmailVerification:
    """Use a link once and apply what it proves; commits."""
    found = peek(token, clock=clock)
    verification, user = found.verification, found.user
    now = clock.now()
    if not store.mark_used(verification.id, now):
        db.session.rollback()
        raise LinkGone("This link has already been used.")
    if verification.purpose == "email_change":
        other = store.user_by_email(verification.email)
        if other is not None and other.id != user.id:
            db.session.rollback()
            raise Conflict("Another account now uses this email address.")
        old = user.email
        user.email = verification.email
        user.email_verified = True
        own_action("account.email_changed", user, ip=ip, old_email=old, new_email=user.email)
    else:
        if verification.email != user.email:
            db.session.rollback()
            raise LinkGone("This link is for an address the account no longer uses.")
        user.email_verified = True
        if user.status == "pending_email":
            user.status = "active"
        own_action(
            "account.email_verified", user, ip=ip, email=user.email, purpose=verification.purpose
        )
    db.session.commit()
    return verification


def resend_registration(
    email: str, *, settings, mailer, clock: Clock, state, ip: str | None = None
) -> None:
    """Send a fresh link to an account still waiting for verification; silent otherwise,
    so the answer does not tell who has an account. Past the recipient's mail limit
    (``idp.accounts.mail_limits``) nothing is sent either, so the form cannot flood an inbox."""
    email = (email or "").strip().lower()
    user = store.user_by_email(email)
    if user is None or user.status != "pending_email":
        return
    if not MailLimits(state, settings).allow(
        "verification", recipient=user.email, account_id=user.id, ip=ip
    ):
        db.session.commit()
        return
    token = issue(user, user.email, "registration", settings=settings, clock=clock)
    address, values = user.email, registration_values(settings, user, token)
    db.session.commit()
    # In the background: waiting for the mail server (or failing with it) would make the
    # answer for an account awaiting verification slower than, or different from, any other.
    send_detached(mailer, address, "registration_link", **values)


def request_email_change(
    user: User,
    new_email: str,
    password: str,
    *,
    settings,
    mailer,
    clock: Clock,
    ip: str | None = None,
    limits: MailLimits | None = None,
) -> str:
    """Mail a link to the new address and tell the old one; nothing changes until the link
    is used. Returns the normalized new address. Past the new address's or the account's
    mail limit (``limits``) nothing is sent and nothing changes, with the same answer."""
    errors: dict[str, str] = {}
    email = check_email(new_email, errors)
    if not verify_password(user.password_hash, password or "", settings):
        errors["password"] = "Your current password is not correct."  # noqa: S105
    if "email" not in errors:
        if email == user.email:
            errors["email"] = "This is already your email address."
        elif store.user_by_email(email) is not None:
            errors["email"] = "Another account uses this email address."
    if errors:
        raise FieldErrors(errors)
    if limits is not None and not limits.allow(
        "email_change", recipient=email, account_id=user.id, ip=ip
    ):
        db.session.commit()
        return email
    token = issue(user, email, "email_change", settings=settings, clock=clock)
    own_action("account.email_change_requested", user, ip=ip, new_email=email)
    db.session.flush()
    name = user.shown_name
    try:
        mailer.send_template(
            email,
            "email_change_confirm",
            name=name,
            username=user.username,
            link=verification_link(settings, token),
            hours=settings.email_verification_ttl_hours,
        )
        mailer.send_template(
            user.email,
            "email_change_notice",
            name=name,
            username=user.username,
            new_email=email,
        )
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return email
