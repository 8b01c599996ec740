"""A person's grants to applications, for the account page: what each third-party client
was allowed (consent) and which clients hold live refresh tokens; revoking one withdraws the
consent and ends the client's refresh tokens for that person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from idp.common.clock import utcnow
from idp.oauth.context import service, store


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
    rows = store()
    consents = {c.client_id: c for c in rows.consents_of(user_id)}
    live = rows.live_families_by_client(user_id, utcnow())
    result = []
    for client_id in sorted(set(consents) | set(live)):
        client = rows.client(client_id)
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
    return service().revoke_grant(user_id, client_id, actor_id=actor_id)
