"""A person's grants to applications, for the account page and the other areas: what each
third-party client was allowed (consent) and which clients hold live refresh tokens;
"Revoke access" withdraws the consent and revokes the person's grants at the client.

:func:`revoke_grants_of` is the one call other areas make when a person's tokens must stop
working now (password reset or change, an account disabled, an office membership ended or
changed): every refresh token and every access token of the grants it names is refused at
once by introspection, userinfo, token exchange and refresh.
"""

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
    """Withdraw consent and revoke the grants at the client; True when there was something."""
    return service().revoke_grant(user_id, client_id, actor_id=actor_id)


def revoke_grants_of(
    user_id: str,
    *,
    reason: str,
    org_id: str | None = None,
    client_id: str | None = None,
    actor_id: str | None = None,
) -> int:
    """Revoke the person's grants -- all of them, or those at one client and/or acting for
    one office -- with every token of them; the number revoked. Commits; audited per grant
    (``oauth.grant.revoked`` with ``reason``). Call it after the change that warrants it is
    committed (e.g. ``reason="account_disabled"``, ``"password_changed"``)."""
    return service().revoke_grants_of(
        user_id, org_id=org_id, client_id=client_id, reason=reason, actor_id=actor_id
    )


def _membership_changed(user_id: str, org_id: str) -> None:
    """A membership ended or changed role: the person's grants acting for that office end
    (their tokens carry the office and role of before)."""
    revoke_grants_of(user_id, org_id=org_id, reason="membership_changed")


def register_membership_hook() -> None:
    from idp.orgs.effects import MEMBERSHIP_CHANGED_HOOKS

    if _membership_changed not in MEMBERSHIP_CHANGED_HOOKS:
        MEMBERSHIP_CHANGED_HOOKS.append(_membership_changed)
