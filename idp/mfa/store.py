"""Queries on the second-factor tables that other areas need without the MFA service
(which holds the encryption key): the session helpers ask whether someone has one."""

from __future__ import annotations

from collections.abc import Iterable

from idp.accounts.models import User
from idp.extensions import db
from idp.mfa.models import TotpCredential


def has_mfa(user: User) -> bool:
    """Whether the user has a confirmed authenticator (no key needed to ask)."""
    query = db.select(TotpCredential.id).where(TotpCredential.user_id == user.id)
    return db.session.scalar(query) is not None


def users_with_mfa(user_ids: Iterable[str]) -> set[str]:
    """Which of ``user_ids`` have a confirmed authenticator (one query for a list page)."""
    ids = list(set(user_ids))
    if not ids:
        return set()
    query = db.select(TotpCredential.user_id).where(TotpCredential.user_id.in_(ids))
    return set(db.session.scalars(query))
