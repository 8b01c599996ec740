"""New password accounts, made in two places: registering a practice (the address is still
to be proven, so the account waits in ``pending_email``) and accepting an invitation (the
emailed link proved the address, so the account is active at once)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from idp.accounts.models import User
from idp.accounts.passwords import hash_password
from idp.extensions import db


class AccountFields(Protocol):
    """What a sign-up form typed for the account (``idp.orgs.forms``)."""

    @property
    def username(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def password(self) -> str: ...


def check_username_free(username: str, errors: dict[str, str]) -> None:
    """Refuse a (well-formed) username another account already has."""
    if "username" in errors:
        return
    if db.session.scalar(db.select(User.id).where(User.username == username)) is not None:
        errors["username"] = "This username is taken. Choose another."


def password_account(
    form: AccountFields, email: str, *, email_verified: bool, settings, now: datetime
) -> User:
    """A new, unsaved account that signs in with the form's password."""
    return User(
        username=form.username,
        email=email,
        email_verified=email_verified,
        display_name=form.display_name,
        status="active" if email_verified else "pending_email",
        password_hash=hash_password(form.password, settings),
        password_changed_at=now,
    )
