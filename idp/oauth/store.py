"""The only queries on the authorization server's records: codes, refresh tokens, consents,
client rows, and the short-lived markers in shared state. No policy, no audit: the services
around the store decide what a reuse or a revocation means (:mod:`idp.oauth.service`).

Each write commits its own unit of work, so an effect decided on a refused request (a
revoked family) stays behind when the request fails.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from datetime import datetime

from idp.common.tokens import token_hash
from idp.extensions import db
from idp.oauth.models import Consent, OAuthClient, RefreshToken
from idp.oauth.protocol import AuthCode
from idp.state.base import SharedState

#: A redeemed code is remembered this long so that a replay can be recognised.
SPENT_CODE_SECONDS = 600
#: Marks a spent code whose redemption gave no refresh token (nothing to revoke).
NO_FAMILY = "-"


class OAuthStore:
    def __init__(self, state: SharedState, code_seconds: int):
        self.state = state
        self.code_seconds = code_seconds

    # --- authorization codes (shared state: one atomic pop across instances) ---------------

    def save_code(self, code: str, data: AuthCode) -> None:
        data.code_hash = token_hash(code)
        self.state.set(f"oauth:code:{data.code_hash}", json.dumps(asdict(data)), self.code_seconds)

    def take_code(self, code: str) -> AuthCode | None:
        """The code's data, handed out once: of two concurrent callers only one gets it."""
        raw = self.state.pop(f"oauth:code:{token_hash(code)}")
        return AuthCode(**json.loads(raw)) if raw is not None else None

    def mark_code_spent(self, code_hash: str, family_id: str = NO_FAMILY) -> None:
        self.state.set(f"oauth:code-spent:{code_hash}", family_id, SPENT_CODE_SECONDS)

    def spent_code_family(self, code: str) -> str | None:
        """For a code redeemed recently: the refresh family it gave (or ``NO_FAMILY``)."""
        return self.state.get(f"oauth:code-spent:{token_hash(code)}")

    # --- refresh tokens ---------------------------------------------------------------------

    def add_refresh_token(self, row: RefreshToken) -> RefreshToken:
        db.session.add(row)
        db.session.commit()
        return row

    def find_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        return db.session.scalar(
            db.select(RefreshToken).where(RefreshToken.token_hash == token_hash(refresh_token))
        )

    def family_revoked(self, family_id: str) -> bool:
        found = db.session.scalar(
            db.select(RefreshToken.id)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_not(None))
            .limit(1)
        )
        return found is not None

    def claim_refresh_token(self, token_id: str, now: datetime) -> bool:
        """Mark the token used, atomically: of two concurrent claims only one succeeds."""
        result = db.session.execute(
            db.update(RefreshToken)
            .where(RefreshToken.id == token_id, RefreshToken.rotated_at.is_(None))
            .values(rotated_at=now)
        )
        db.session.commit()
        return result.rowcount == 1

    def revoke_family(self, family_id: str, now: datetime) -> RefreshToken | None:
        """End every live token of the family; a token of the family when any was live.

        Not committed: the caller records why in the same unit of work."""
        result = db.session.execute(
            db.update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        if not result.rowcount:
            return None
        return db.session.scalar(
            db.select(RefreshToken).where(RefreshToken.family_id == family_id).limit(1)
        )

    def revoke_user_client_tokens(self, user_id: str, client_id: str, now: datetime) -> int:
        """End the person's live refresh tokens at one client (not committed)."""
        result = db.session.execute(
            db.update(RefreshToken)
            .where(
                RefreshToken.user_id == user_id,
                RefreshToken.client_id == client_id,
                RefreshToken.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return result.rowcount

    def live_families_by_client(self, user_id: str, now: datetime) -> dict[str, int]:
        """client_id -> number of the person's refresh families with a usable token."""
        rows = db.session.execute(
            db.select(RefreshToken.client_id, db.func.count(db.distinct(RefreshToken.family_id)))
            .where(
                RefreshToken.user_id == user_id,
                RefreshToken.revoked_at.is_(None),
                RefreshToken.rotated_at.is_(None),
                RefreshToken.expires_at > now,
            )
            .group_by(RefreshToken.client_id)
        ).all()
        return {client_id: count for client_id, count in rows}

    # --- access tokens and client assertions (shared state) ---------------------------------

    def revoke_access_token(self, jti: str, exp: float) -> None:
        ttl = int(exp - time.time()) + 60
        if ttl > 0:
            self.state.set(f"oauth:revoked-jti:{jti}", "1", ttl)

    def access_token_revoked(self, jti: str) -> bool:
        return self.state.get(f"oauth:revoked-jti:{jti}") is not None

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
        return db.session.execute(
            db.delete(Consent).where(Consent.user_id == user_id, Consent.client_id == client_id)
        ).rowcount

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
