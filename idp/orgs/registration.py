"""Registering a practice: a pending office with its office administrator (pending email).

A registration with a TIN + NPI already on the portal is refused without saying anything
about the existing office; one with an address that already has an account creates nothing,
looks the same to the registrant, and tells the address's owner instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from idp.accounts.events import own_action
from idp.accounts.fields import FieldErrors
from idp.accounts.models import User
from idp.accounts.passwords import hash_password
from idp.accounts.signup import check_username_free, password_account
from idp.accounts.verification import service as verification
from idp.audit import record
from idp.common.clock import Clock
from idp.extensions import db
from idp.mail import send_to
from idp.orgs import store
from idp.orgs.effects import send_or_undo
from idp.orgs.forms import PracticeForm
from idp.orgs.models import Membership, Organization

#: The role of the person who registers the practice.
ADMIN_ROLE = "office_admin"

DUPLICATE_PRACTICE = (
    "This practice is already registered. Ask its office administrator to invite you."
)


@dataclass
class Registered:
    """What the registrant is told: "check your email at ``email``". ``organization`` and
    ``user`` are None when the address already had an account (nothing was created; its
    owner was emailed instead), so the page never says which addresses have accounts."""

    email: str
    organization: Organization | None = None
    user: User | None = None


def register_practice(
    form: PracticeForm, *, settings, mailer, clock: Clock, ip: str | None = None
) -> Registered:
    """Register a practice (pending) with its office administrator (pending email).

    Raises FieldErrors naming each refused field (the form's own and those the database
    refuses); a TIN + NPI already registered is refused under ``practice``.
    """
    errors = dict(form.errors)
    check_username_free(form.username, errors)
    email_owner = store.user_by_email(form.email) if "email" not in errors else None
    if "tax_id" not in errors and "npi" not in errors:
        existing = store.org_by_identifiers(form.tax_id, form.npi)
        if existing is not None:
            errors["practice"] = DUPLICATE_PRACTICE
            record(
                "org.registration_refused",
                org_id=existing.id,
                ip=ip,
                reason="duplicate_tin_npi",
                email=form.email,
            )
            db.session.commit()
    if errors:
        raise FieldErrors(errors)
    if email_owner is not None:
        return _registration_with_known_address(
            email_owner, form.password, settings=settings, mailer=mailer, ip=ip
        )

    user = password_account(
        form, form.email, email_verified=False, settings=settings, now=clock.now()
    )
    org = Organization(
        legal_name=form.legal_name,
        tax_id=form.tax_id,
        npi=form.npi,
        address_line1=form.address_line1,
        address_line2=form.address_line2,
        city=form.city,
        state=form.state,
        postal_code=form.postal_code,
        status="pending",
    )
    db.session.add_all([user, org])
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise FieldErrors(
            {"practice": "This practice or account was just registered. " + DUPLICATE_PRACTICE}
        ) from None
    db.session.add(Membership(user_id=user.id, org_id=org.id, role=ADMIN_ROLE))
    token = verification.issue(user, form.email, "registration", settings=settings, clock=clock)
    own_action(
        "org.registered", user, org_id=org.id, ip=ip, legal_name=form.legal_name, npi=form.npi
    )
    db.session.flush()
    send_or_undo(lambda: verification.send_registration_link(mailer, settings, user, token))
    db.session.commit()
    return Registered(form.email, org, user)


def _registration_with_known_address(
    owner: User, password: str, *, settings, mailer, ip: str | None
) -> Registered:
    """Answer as if registered (same page, same Argon2 cost) and tell the address's owner."""
    hash_password(password, settings)
    record("org.registration_refused", subject_id=owner.id, ip=ip, reason="email_in_use")
    db.session.flush()
    base = settings.public_base_url.rstrip("/")
    send_or_undo(
        lambda: send_to(
            mailer,
            owner,
            "org_registration_known_address",
            sign_in_url=f"{base}/login",
            forgot_password_url=f"{base}/login/forgot-password",
        )
    )
    db.session.commit()
    return Registered(owner.email)
