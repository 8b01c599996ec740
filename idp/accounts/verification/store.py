"""Queries for emailed verification links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from idp.accounts.models import User
from idp.accounts.verification.models import EmailVerification
from idp.extensions import affected_rows, db


def by_token_hash(token_hash: str) -> EmailVerification | None:
    return db.session.scalar(
        db.select(EmailVerification).where(EmailVerification.token_hash == token_hash)
    )


def mark_used(verification_id: str, now: datetime) -> bool:
    """Atomically claim a link: True for exactly one caller, however many race for it."""
    count = affected_rows(
        update(EmailVerification)
        .where(EmailVerification.id == verification_id, EmailVerification.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return count == 1


def retire_unused(user_id: str, purpose: str, now: datetime) -> None:
    """Older unused links of the same purpose stop working when a new one is sent."""
    db.session.execute(
        update(EmailVerification)
        .where(
            EmailVerification.user_id == user_id,
            EmailVerification.purpose == purpose,
            EmailVerification.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


def user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email))
