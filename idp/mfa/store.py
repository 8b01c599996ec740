"""Queries on the second-factor tables that other areas need without the MFA service
(which holds the encryption key): the session helpers ask whether someone has one."""

from __future__ import annotations

from idp.accounts.models import User
from idp.extensions import db
from idp.mfa.models import TotpCredential


def has_mfa(user: User) -> bool:
    """Whether the user has a confirmed authenticator (no key needed to ask)."""
    query = db.select(TotpCredential.id).where(TotpCredential.user_id == user.id)
    return db.session.scalar(query) is not None
