"""The only queries on the authorization server's records: codes, grants, refresh tokens,
revoked access tokens, consents, client rows, and the short-lived markers in shared state.
No policy, no audit: the services around the store decide what a reuse or a revocation
means (:mod:`idp.oauth.service`).

Shared state holds only what may be lost (codes, assertion ids); every revocation is a row.

Each write commits its own unit of work, so an effect decided on a refused request (a
revoked family) stays behind when the request fails.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from idp.common.tokens import token_hash
from idp.extensions import affected_rows, commit_keeping_loaded, db
from idp.oauth.live_tokens import LiveTokens
from idp.oauth.models import Consent, OAuthClient, OAuthGrant, RefreshToken, RevokedAccessToken
from idp.oauth.protocol import AuthCode
from idp.state.base import SharedState

Row = TypeVar("Row")


def _in_transaction() -> bool:
    """Whether this scope's session holds a transaction; without making a session when
    there is none yet (the answers made before Flask often need none)."""
    return db.session.registry.has() and db.session().in_transaction()


def _saved(row: Row) -> Row:
    """Add a new row and commit it at once (it is what later requests look up); the person
    and memberships this request loaded stay loaded."""
    db.session.add(row)
    commit_keeping_loaded()
    return row


class OAuthStore:
    def __init__(
        self, state: SharedState, code_seconds: int, live_tokens: LiveTokens | None = None
    ):
        self.state = state
        #: The direct revocation check (PostgreSQL), see :meth:`access_token_live`.
        self.live_tokens = live_tokens
        self.code_seconds = code_seconds

    # --- authorization codes (shared state: one atomic pop across instances) ---------------

    def save_code(self, code: str, data: AuthCode) -> None:
        data.code_hash = token_hash(code)
        self.state.set(f"oauth:code:{data.code_hash}", json.dumps(asdict(data)), self.code_seconds)

    def take_code(self, code: str) -> AuthCode | None:
        """The code's data, handed out once: of two concurrent callers only one gets it."""
        raw = self.state.pop(f"oauth:code:{token_hash(code)}")
        return AuthCode(**json.loads(raw)) if raw is not None else None

    # --- grants ---------------------------------------------------------------------------

    def add_grant(self, row: OAuthGrant, *, commit: bool = True) -> OAuthGrant:
        """Add a grant, committed at once unless the caller commits it with what it begins
        (``commit=False``: flushed only; on SQLite that holds the write lock until then)."""
        if commit:
            return _saved(row)
        db.session.add(row)
        db.session.flush()
        return row

    def grant_of_code(self, code: str) -> str | None:
        """The id of the grant a code began (issued, whether redeemed or not)."""
        return db.session.scalar(
            db.select(OAuthGrant.id).where(OAuthGrant.code_hash == token_hash(code))
        )

    def delete_grant(self, grant_id: str) -> None:
        """Forget a grant that never gave a token (not committed)."""
        db.session.execute(db.delete(OAuthGrant).where(OAuthGrant.id == grant_id))

    def grant_revoked(self, grant_id: str) -> str | None:
        """Why the grant is revoked (``"unknown"`` for no such grant: no token outlives its
        grant row); None while it is live."""
        row = db.session.execute(
            db.select(OAuthGrant.revoked_at, OAuthGrant.revoked_reason).where(
                OAuthGrant.id == grant_id
            )
        ).first()
        if row is None:
            return "unknown"
        if row.revoked_at is None:
            return None
        return row.revoked_reason or "revoked"

    def revoke_grant(self, grant_id: str, now: datetime, reason: str) -> OAuthGrant | None:
        """Revoke the grant and end its refresh tokens; the grant when this call revoked it
        (None when it was revoked already or is unknown): of concurrent callers one wins.

        Not committed: the caller records why in the same unit of work."""
        count = affected_rows(
            db.update(OAuthGrant)
            .where(OAuthGrant.id == grant_id, OAuthGrant.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason[:40])
        )
        if count != 1:
            return None
        self._end_refresh_tokens([grant_id], now)
        return db.session.get(OAuthGrant, grant_id)

    def revoke_grants(self, grant_ids: list[str], now: datetime, reason: str) -> int:
        """Revoke those of the grants still live, with their refresh tokens; how many this
        call revoked (not committed)."""
        if not grant_ids:
            return 0
        count = affected_rows(
            db.update(OAuthGrant)
            .where(OAuthGrant.id.in_(grant_ids), OAuthGrant.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason[:40])
        )
        self._end_refresh_tokens(grant_ids, now)
        return count

    def live_grants_of(
        self,
        user_id: str,
        now: datetime,
        *,
        org_id: str | None = None,
        client_id: str | None = None,
    ) -> list[str]:
        """Ids of the person's unrevoked, unexpired grants, at one client and/or for one
        office (acting for it at sign-in or since)."""
        query = db.select(OAuthGrant.id).where(
            OAuthGrant.user_id == user_id,
            OAuthGrant.revoked_at.is_(None),
            OAuthGrant.expires_at > now,
        )
        if client_id is not None:
            query = query.where(OAuthGrant.client_id == client_id)
        if org_id is not None:
            query = query.where(
                (OAuthGrant.org_id == org_id)
                | OAuthGrant.other_org_ids.contains(org_id, autoescape=True)
            )
        return list(db.session.scalars(query))

    def note_grant_office(self, grant_id: str, org_id: str) -> None:
        """Remember that the grant now also acts for ``org_id`` (not committed)."""
        db.session.execute(
            db.update(OAuthGrant)
            .where(
                OAuthGrant.id == grant_id,
                (OAuthGrant.org_id.is_(None)) | (OAuthGrant.org_id != org_id),
                ~OAuthGrant.other_org_ids.contains(org_id, autoescape=True),
            )
            .values(other_org_ids=OAuthGrant.other_org_ids + " " + org_id)
        )

    def _end_refresh_tokens(self, grant_ids: list[str], now: datetime) -> int:
        count = affected_rows(
            db.update(RefreshToken)
            .where(RefreshToken.family_id.in_(grant_ids), RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return count

    # --- refresh tokens ---------------------------------------------------------------------

    def add_refresh_token(self, row: RefreshToken) -> RefreshToken:
        return _saved(row)

    def find_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        return db.session.scalar(
            db.select(RefreshToken).where(RefreshToken.token_hash == token_hash(refresh_token))
        )

    def claim_refresh_token(self, token_id: str, now: datetime) -> bool:
        """Mark the token used, atomically: of two concurrent claims only one succeeds.

        Committed keeping what the request loaded: the claim changes only the token's
        ``rotated_at`` (kept in step on the loaded row by the ORM's UPDATE), and the person
        checked a moment before goes on into the new token; expired, they were read again
        (12 % of a refresh's CPU in its profile)."""
        count = affected_rows(
            db.update(RefreshToken)
            .where(RefreshToken.id == token_id, RefreshToken.rotated_at.is_(None))
            .values(rotated_at=now)
        )
        commit_keeping_loaded()
        return count == 1

    def live_families_by_client(self, user_id: str, now: datetime) -> dict[str, int]:
        """client_id -> number of the person's refresh families with a usable token."""
        rows = db.session.execute(
            db.select(RefreshToken.client_id, db.func.count(db.distinct(RefreshToken.family_id)))
            .where(
                RefreshToken.user_id == user_id,
                RefreshToken.revoked_at.is_(None),
                RefreshToken.rotated_at.is_(None),
                RefreshToken.expires_at > now,
                ~db.exists().where(
                    OAuthGrant.id == RefreshToken.family_id, OAuthGrant.revoked_at.is_not(None)
                ),
            )
            .group_by(RefreshToken.client_id)
        ).all()
        return {client_id: count for client_id, count in rows}

    # --- access tokens and client assertions (shared state) ---------------------------------

    def revoke_access_token(self, jti: str, expires_at: datetime) -> None:
        """Deny one access token until it expires (committed; a second revocation is a no-op)."""
        if db.session.get(RevokedAccessToken, jti) is not None:
            return
        db.session.add(RevokedAccessToken(jti=jti, expires_at=expires_at))
        try:
            db.session.commit()
        except IntegrityError:  # revoked concurrently: the row is there either way
            db.session.rollback()

    def access_token_live(self, grant_id: str | None, jti: str) -> bool:
        """One statement: the token's grant (when it names one) is known and unrevoked, and
        the token itself was not revoked.

        With no transaction open in this session (nothing uncommitted to see, as at
        introspection), asked on the direct connection when there is one: the same question,
        answered from what is committed."""
        if self.live_tokens is not None and not _in_transaction():
            return self.live_tokens.live(grant_id, jti)
        not_denied = ~db.exists().where(RevokedAccessToken.jti == jti)
        if grant_id is None:
            return bool(db.session.scalar(db.select(not_denied)))
        grant_live = db.exists().where(OAuthGrant.id == grant_id, OAuthGrant.revoked_at.is_(None))
        return bool(db.session.scalar(db.select(db.and_(grant_live, not_denied))))

    def add_assertion_id(self, client_id: str, jti: str, exp: float) -> bool:
        """Record a client assertion's id until it expires; False when it was there already."""
        ttl = max(int(exp - time.time()) + 60, 60)
        return self.state.add(f"oauth:assertion:{client_id}:{token_hash(jti)}", "1", ttl)

    # --- consents ---------------------------------------------------------------------------

    def consent(self, user_id: str, client_id: str) -> Consent | None:
        return db.session.scalar(
            db.select(Consent).where(Consent.user_id == user_id, Consent.client_id == client_id)
        )

    def consents_of(self, user_id: str) -> list[Consent]:
        return list(db.session.scalars(db.select(Consent).where(Consent.user_id == user_id)))

    def add_consent_scopes(self, user_id: str, client_id: str, scopes: list[str]) -> Consent:
        """Merge ``scopes`` into the person's consent for the client (not committed)."""
        row = self.consent(user_id, client_id)
        if row is None:
            row = Consent(user_id=user_id, client_id=client_id, scopes_json="[]")
            db.session.add(row)
        row.scopes_json = json.dumps(sorted(set(row.scopes) | set(scopes)))
        return row

    def delete_consent(self, user_id: str, client_id: str) -> int:
        """Not committed."""
        return affected_rows(
            db.delete(Consent).where(Consent.user_id == user_id, Consent.client_id == client_id)
        )

    # --- client rows ------------------------------------------------------------------------

    def client(self, client_id: str) -> OAuthClient | None:
        return db.session.get(OAuthClient, client_id)

    def launchable_clients(self) -> list[OAuthClient]:
        """Enabled first-party clients with a launch URL (the dashboard's candidates)."""
        return list(
            db.session.scalars(
                db.select(OAuthClient).where(
                    OAuthClient.first_party.is_(True),
                    OAuthClient.disabled.is_(False),
                    OAuthClient.launch_url != "",
                )
            )
        )
