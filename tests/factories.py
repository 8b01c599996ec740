"""Builders for test data. Each commits, so what it returns is in the database."""

from __future__ import annotations

import itertools

from idp.accounts.models import User
from idp.accounts.passwords import hash_password
from idp.common.clock import utcnow
from idp.extensions import db
from idp.orgs.models import Membership, Organization

PASSWORD = "correct horse battery staple"  # noqa: S105
_seq = itertools.count(1)


def npi_with_check_digit(first_nine: str) -> str:
    total = 0
    for i, d in enumerate(reversed("80840" + first_nine)):
        n = int(d)
        if i % 2 == 0:
            n = n * 2 - 9 if n * 2 > 9 else n * 2
        total += n
    return first_nine + str((10 - total % 10) % 10)


def _settings():
    """The running app's settings (fast Argon2 parameters in tests), else the defaults."""
    from flask import current_app, has_app_context

    return current_app.config["IDP_SETTINGS"] if has_app_context() else None


def make_user(
    username: str | None = None,
    *,
    password: str = PASSWORD,
    email: str | None = None,
    status: str = "active",
    email_verified: bool = True,
    platform_role: str | None = None,
    display_name: str | None = None,
) -> User:
    n = next(_seq)
    username = username or f"user{n}"
    user = User(
        username=username.lower(),
        email=(email or f"{username}@clinic.test").lower(),
        email_verified=email_verified,
        display_name=display_name or username.title(),
        status=status,
        platform_role=platform_role,
        password_hash=hash_password(password, _settings()) if password else None,
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_org(legal_name: str | None = None, *, status: str = "approved", **fields) -> Organization:
    n = next(_seq)
    org = Organization(
        legal_name=legal_name or f"Practice {n} LLC",
        tax_id=fields.pop("tax_id", f"{100000000 + n:09d}"),
        npi=fields.pop("npi", npi_with_check_digit(f"{100000000 + n:09d}")),
        status=status,
        address_line1=fields.pop("address_line1", f"{n} Main Street"),
        city=fields.pop("city", "Springfield"),
        state=fields.pop("state", "IL"),
        postal_code=fields.pop("postal_code", "62701"),
        **fields,
    )
    db.session.add(org)
    db.session.commit()
    return org


def add_member(user: User, org: Organization, role: str = "front_desk") -> Membership:
    membership = Membership(user_id=user.id, org_id=org.id, role=role)
    db.session.add(membership)
    db.session.commit()
    db.session.refresh(user)
    return membership
