"""A person's grants to applications, for the account page: what each third-party client
was allowed (consent) and which clients hold live refresh tokens; revoking one withdraws the
consent and ends the client's refresh tokens for that person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from idp import audit
from idp.common.clock import utcnow
from idp.extensions import db
from idp.oauth.models import Consent, OAuthClient, RefreshToken


@dataclass(frozen=True)
class AppGrant:
    client_id: str
    client_name: str
    scopes: tuple[str, ...]
    granted_at: datetime | None
    first_party: bool
    active_sessions: int


def list_grants(user_id: str) -> list[AppGrant]:
    """Consents and clients with live refresh tokens, one entry per client."""
    consents = {
        c.client_id: c
        for c in db.session.scalars(db.select(Consent).where(Consent.user_id == user_id))
    }
    live_rows = db.session.execute(
        db.select(RefreshToken.client_id, db.func.count(db.distinct(RefreshToken.family_id)))
        .where(
            RefreshToken.user_id == user_id,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.rotated_at.is_(None),
            RefreshToken.expires_at > utcnow(),
        )
        .group_by(RefreshToken.client_id)
    ).all()
    live = {client_id: count for client_id, count in live_rows}
    result = []
    for client_id in sorted(set(consents) | set(live)):
        client = db.session.get(OAuthClient, client_id)
        if client is None:
            continue
        consent = consents.get(client_id)
        result.append(
            AppGrant(
                client_id=client_id,
                client_name=client.name,
                scopes=tuple(consent.scopes) if consent else (),
                granted_at=consent.created_at if consent else None,
                first_party=client.first_party,
                active_sessions=live.get(client_id, 0),
            )
        )
    return result


def revoke_grant(user_id: str, client_id: str, *, actor_id: str | None = None) -> bool:
    """Withdraw consent and end refresh tokens; True when there was something to revoke."""
    removed = db.session.execute(
        db.delete(Consent).where(Consent.user_id == user_id, Consent.client_id == client_id)
    ).rowcount
    ended = db.session.execute(
        db.update(RefreshToken)
        .where(
            RefreshToken.user_id == user_id,
            RefreshToken.client_id == client_id,
            RefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    ).rowcount
    if removed or ended:
        audit.record(
            "oauth.grant.revoked",
            actor_id=actor_id or user_id,
            subject_id=user_id,
            client_id=client_id,
            refresh_tokens=ended,
        )
    db.session.commit()
    return bool(removed or ended)
