"""A signed-in person changes their own password (the forgotten-password path is recovery)."""

from __future__ import annotations

from collections.abc import Mapping

from idp import audit
from idp.accounts.fields import FieldErrors
from idp.accounts.models import User
from idp.accounts.password_policy import check_password
from idp.accounts.passwords import hash_password, verify_password
from idp.common.clock import Clock
from idp.extensions import db
from idp.mail.background import send_detached
from idp.mail.base import Mailer

WRONG_CURRENT = "That is not your current password."
DIFFERENT = "The two passwords differ."
SAME_AS_BEFORE = "Choose a password other than your current one."


def change_password(
    user: User, form: Mapping[str, str], *, settings, clock: Clock, ip: str | None = None
) -> None:
    """Check the current password and the new one, then store it.

    ``password_changed_at`` moves on, and every OAuth grant of the person is revoked (its
    refresh and access tokens stop working now); the caller ends the SSO sessions.
    """
    current = form.get("current_password", "")[:1024]
    new = form.get("password", "")[:1024]
    confirm = form.get("password_confirm", "")[:1024]
    errors: dict[str, str] = {}
    if not verify_password(user.password_hash, current, settings):
        errors["current_password"] = WRONG_CURRENT
    problems = check_password(new, username=user.username, email=user.email)
    if problems:
        errors["password"] = " ".join(problems)
    elif new != confirm:
        errors["password_confirm"] = DIFFERENT
    elif new == current:
        errors["password"] = SAME_AS_BEFORE
    if errors:
        raise FieldErrors(errors)
    user.password_hash = hash_password(new, settings)
    user.password_changed_at = clock.now()
    audit.record("password.changed", actor_id=user.id, subject_id=user.id, ip=ip)
    db.session.commit()
    from idp.oauth.grants import revoke_grants_of

    revoke_grants_of(user.id, reason="password_changed")


def send_changed_notice(mailer: Mailer, settings, user: User) -> None:
    """Tell the owner, with a way back in case it was not them. In the background: the change
    is committed, and a mail server that is down must not turn it into an error page."""
    send_detached(
        mailer,
        user.email,
        "password_changed",
        name=user.shown_name,
        reset_link=settings.public_base_url.rstrip("/") + "/login/forgot-password",
    )
