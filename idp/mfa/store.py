"""Queries on the second-factor tables that other areas need without the MFA service
(which holds the encryption key): the session helpers ask whether someone has one."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_

from idp.accounts.models import User
from idp.extensions import db
from idp.mfa.models import TotpCredential, WebAuthnCredential


def has_totp(user: User) -> bool:
    query = db.select(TotpCredential.id).where(TotpCredential.user_id == user.id)
    return db.session.scalar(query) is not None


def has_passkey(user: User) -> bool:
    query = db.select(WebAuthnCredential.id).where(WebAuthnCredential.user_id == user.id)
    return db.session.scalar(query.limit(1)) is not None


def has_mfa(user: User) -> bool:
    """Whether the user has a confirmed authenticator or a passkey (no key needed to ask);
    one query, asked at every sign-in."""
    totp = db.select(TotpCredential.id).where(TotpCredential.user_id == user.id).exists()
    key = db.select(WebAuthnCredential.id).where(WebAuthnCredential.user_id == user.id).exists()
    return bool(db.session.scalar(db.select(or_(totp, key))))


def users_with_mfa(user_ids: Iterable[str]) -> set[str]:
    """Which of ``user_ids`` have an authenticator or a passkey (two queries for a whole list
    page, whatever its length)."""
    ids = list(set(user_ids))
    if not ids:
        return set()
    totp = db.select(TotpCredential.user_id).where(TotpCredential.user_id.in_(ids))
    keys = db.select(WebAuthnCredential.user_id).where(WebAuthnCredential.user_id.in_(ids))
    return set(db.session.scalars(totp)) | set(db.session.scalars(keys))
