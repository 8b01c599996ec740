"""The life of a grant around the store: redeeming a code once, rotating refresh tokens,
what a replay or a reuse revokes, consent, and the audit record of each outcome.

Revocation is by refresh family (one sign-in at one client): a replayed code, a rotated
refresh token used again, a lost race for one token and a client's revocation request all
end the whole family at once. No HTTP here; the grants and endpoints call in.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from idp import audit
from idp.common.clock import utcnow
from idp.common.tokens import random_token, token_hash
from idp.extensions import db
from idp.oauth import principals
from idp.oauth.models import RefreshToken
from idp.oauth.principals import GrantRefused, aware
from idp.oauth.protocol import AuthCode, Principal, TokenRecord
from idp.oauth.store import NO_FAMILY, OAuthStore

#: Longest refresh token looked up (ours are 43 characters); longer input is never one.
MAX_REFRESH_TOKEN = 200


def new_refresh_token() -> str:
    return random_token(32)


class OAuthService:
    def __init__(self, settings, store: OAuthStore):
        self.settings = settings
        self.store = store

    # --- authorization codes ----------------------------------------------------------------

    def redeem_code(self, code: str, client_id: str) -> AuthCode | None:
        """Consume a code (atomic across instances). A second use revokes what the first got."""
        data = self.store.take_code(code)
        if data is None:
            spent = self.store.spent_code_family(code)
            if spent:
                self.revoke_family(spent, reason="code_reuse")
            return None
        if data.client_id != client_id:
            return None
        self.store.mark_code_spent(data.code_hash)
        return data

    # --- refresh tokens ---------------------------------------------------------------------

    def save_refresh_token(
        self,
        refresh_token: str,
        client_id: str,
        principal: Principal,
        scope: str,
        code: AuthCode | None = None,
    ) -> RefreshToken:
        """A new token of the principal's family (a new family for a code); a family lives
        ``oauth_refresh_token_days`` from its first sign-in, however often it rotates."""
        now = utcnow()
        family_id = principal.family_id or str(uuid.uuid4())
        started = aware(principal.family_started_at) or now
        row = self.store.add_refresh_token(
            RefreshToken(
                token_hash=token_hash(refresh_token),
                family_id=family_id,
                client_id=client_id,
                user_id=principal.user.id,
                org_id=principal.org_id,
                scope=scope or "",
                audience=principal.audience,
                sid=principal.sid,
                auth_time=principal.auth_time,
                amr_json=json.dumps(principal.amr),
                issued_at=now,
                expires_at=started + timedelta(days=self.settings.oauth_refresh_token_days),
                family_started_at=started,
            )
        )
        if code is not None:
            self.store.mark_code_spent(code.code_hash, family_id)
        return row

    def token_issued(
        self,
        *,
        grant_type: str,
        client_id: str,
        principal: Principal | None,
        scope: str,
        refresh_token: str | None,
        code: AuthCode | None = None,
    ) -> None:
        """Audit tokens the endpoint is about to hand out (never their values), with the
        refresh token they come with in the same commit. A service's token changes nothing
        else: its entry is written on its own, before the answer."""
        fields = {"grant_type": grant_type, "client_id": client_id, "scope": scope}
        if principal is None:
            if self.settings.audit_record_token_issuance:
                audit.write("oauth.token.issued", refresh=False, **fields)
            return
        audit.record(
            "oauth.token.issued",
            actor_id=principal.user.id,
            subject_id=principal.user.id,
            org_id=principal.org_id,
            refresh=refresh_token is not None,
            **fields,
        )
        if refresh_token is None:
            db.session.commit()
            return
        self.save_refresh_token(refresh_token, client_id, principal, scope, code=code)

    def client_auth_failed(self, client_id: str | None, endpoint: str, reason: str) -> None:
        """Audit a refused client authentication (written at once: the request fails)."""
        audit.write(
            "oauth.client_auth.failed", client_id=client_id, endpoint=endpoint, reason=reason
        )

    def find_refresh_token(self, refresh_token: str | None) -> RefreshToken | None:
        if not refresh_token or len(refresh_token) > MAX_REFRESH_TOKEN:
            return None
        return self.store.find_refresh_token(refresh_token)

    def usable_refresh_token(self, refresh_token: str | None, client_id: str):
        """The token when it may be used; a rotated token presented again ends its family."""
        row = self.find_refresh_token(refresh_token)
        if row is None or row.client_id != client_id:
            return None
        if row.revoked_at is not None or aware(row.expires_at) <= utcnow():
            return None
        if row.rotated_at is not None:
            self.revoke_family(row.family_id, reason="refresh_reuse")
            return None
        if self.store.family_revoked(row.family_id):
            # A revocation is never undone: a token saved while its family was being
            # revoked (a concurrent rotation) is dead as well.
            return None
        return row

    def refresh_principal(self, row: RefreshToken, org_id: str | None = None) -> Principal:
        """The principal of a refresh (re-checked now); a refusal that ends the grant
        revokes the family. Raises GrantRefused."""
        try:
            return principals.for_refresh(row, org_id)
        except GrantRefused as refused:
            if refused.reason:
                self.revoke_family(row.family_id, reason=refused.reason)
            raise

    def claim_refresh_token(self, row: RefreshToken) -> bool:
        """Mark the token used; of two concurrent uses the loser revokes the family."""
        if self.store.claim_refresh_token(row.id, utcnow()):
            return True
        self.revoke_family(row.family_id, reason="refresh_reuse")
        return False

    def revoke_family(self, family_id: str, *, reason: str) -> bool:
        if not family_id or family_id == NO_FAMILY:
            return False
        token = self.store.revoke_family(family_id, utcnow())
        if token is not None:
            audit.record(
                "oauth.refresh_family.revoked",
                subject_id=token.user_id,
                family_id=family_id,
                reason=reason,
                client_id=token.client_id,
            )
        db.session.commit()
        return token is not None

    # --- introspection and revocation -------------------------------------------------------

    def refresh_record(self, refresh_token: str) -> TokenRecord | None:
        row = self.find_refresh_token(refresh_token)
        if row is None:
            return None
        return TokenRecord.of_refresh(
            row,
            expires_at=aware(row.expires_at).timestamp(),
            revoked=row.revoked_at is not None
            or row.rotated_at is not None
            or self.store.family_revoked(row.family_id),
            claims={"sub": row.user_id, "org": row.org_id, "iat": int(row.issued_at.timestamp())},
        )

    def access_record(self, claims: dict) -> TokenRecord:
        return TokenRecord(
            kind="access_token",
            client_id=claims.get("client_id", ""),
            scope=claims.get("scope", ""),
            expires_at=claims["exp"],
            revoked=self.store.access_token_revoked(claims.get("jti", "")),
            claims=claims,
        )

    def revoke(self, record: TokenRecord) -> None:
        """RFC 7009: a refresh token ends its family; an access token is denied until it
        expires."""
        if record.refresh is not None:
            self.revoke_family(record.refresh.family_id, reason="revoked_by_client")
        elif record.kind == "access_token":
            jti = record.claims.get("jti", "")
            self.store.revoke_access_token(jti, record.expires_at)
            sub = record.claims.get("sub")
            audit.record(
                "oauth.token.revoked",
                subject_id=sub if sub != record.client_id else None,
                client_id=record.client_id,
                kind="access_token",
                jti=jti,
            )
            db.session.commit()

    def access_token_revoked(self, jti: str) -> bool:
        return self.store.access_token_revoked(jti)

    def client_assertion_unused(self, client_id: str, jti: str, exp: float) -> bool:
        """Record a private_key_jwt assertion id; False when it was seen before (replay)."""
        return self.store.add_assertion_id(client_id, jti, exp)

    # --- authorization and consent ----------------------------------------------------------

    def record_authorization(
        self, principal: Principal, client_id: str, scope: str, ip: str | None
    ) -> None:
        """Audit that a client received a code for this person (one sign-in to an app)."""
        audit.record(
            "oauth.authorized",
            subject_id=principal.user.id,
            org_id=principal.org_id,
            ip=ip,
            client_id=client_id,
            scope=scope,
        )
        db.session.commit()

    def consented_scopes(self, user_id: str, client_id: str) -> frozenset[str] | None:
        row = self.store.consent(user_id, client_id)
        return frozenset(row.scopes) if row is not None else None

    def save_consent(self, user_id: str, client_id: str, scopes: list[str]) -> None:
        self.store.add_consent_scopes(user_id, client_id, scopes)
        audit.record(
            "oauth.consent.granted", subject_id=user_id, client_id=client_id, scopes=sorted(scopes)
        )
        db.session.commit()

    def revoke_grant(self, user_id: str, client_id: str, *, actor_id: str | None = None) -> bool:
        """Withdraw consent and end refresh tokens; True when there was something to revoke."""
        removed = self.store.delete_consent(user_id, client_id)
        ended = self.store.revoke_user_client_tokens(user_id, client_id, utcnow())
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
