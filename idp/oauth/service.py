"""The life of a grant around the store: issuing and redeeming a code once, rotating
refresh tokens, what a replay or a reuse revokes, consent, and the audit record of each
outcome.

Revocation is by grant (one sign-in at one client, :class:`~idp.oauth.models.OAuthGrant`):
a replayed code, a rotated refresh token used again, a lost race for one token, a client's
revocation of a refresh token, a password change, an office membership that ends and the
person's own "Revoke access" all end the whole grant at once -- its refresh tokens and every
access token naming it (``grant_id``), checked in the database at introspection, userinfo,
token exchange and refresh. No HTTP here; the grants and endpoints call in.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from idp import audit
from idp.common.clock import utcnow
from idp.common.tokens import random_token, token_hash
from idp.extensions import commit_keeping_loaded, db
from idp.oauth import principals
from idp.oauth.models import OAuthGrant, RefreshToken
from idp.oauth.principals import GrantRefused, aware
from idp.oauth.protocol import AuthCode, Principal, TokenRecord
from idp.oauth.store import OAuthStore

#: Longest refresh token looked up (ours are 43 characters); longer input is never one.
MAX_REFRESH_TOKEN = 200


def new_refresh_token() -> str:
    return random_token(32)


class OAuthService:
    def __init__(self, settings, store: OAuthStore):
        self.settings = settings
        self.store = store

    # --- grants and authorization codes ---------------------------------------------------

    def new_grant(
        self,
        user_id: str,
        client_id: str,
        org_id: str | None,
        code: str | None = None,
        *,
        commit: bool = True,
    ) -> OAuthGrant:
        now = utcnow()
        return self.store.add_grant(
            OAuthGrant(
                client_id=client_id,
                user_id=user_id,
                org_id=org_id,
                code_hash=token_hash(code) if code else None,
                created_at=now,
                expires_at=now + timedelta(days=self.settings.oauth_refresh_token_days),
            ),
            commit=commit,
        )

    def issue_code(self, code: str, data: AuthCode) -> None:
        """Save a code and the grant it will begin, audited as one sign-in to an app. The
        grant row is committed (with the entry, one commit) before the code is saved, so a
        replay racing the first redemption always finds what to revoke."""
        grant = self.new_grant(data.user_id, data.client_id, data.org_id, code, commit=False)
        data.grant_id = grant.id
        audit.record(
            "oauth.authorized",
            subject_id=data.user_id,
            org_id=data.org_id,
            client_id=data.client_id,
            scope=data.scope,
        )
        commit_keeping_loaded()
        self.store.save_code(code, data)

    def redeem_code(self, code: str, client_id: str) -> AuthCode | None:
        """Consume a code (atomic across instances). A second use revokes the grant the code
        began: every token its first redemption gave, or is still giving."""
        data = self.store.take_code(code)
        if data is None:
            grant_id = self.store.grant_of_code(code)
            if grant_id:
                self.revoke_by_grant_id(grant_id, reason="code_reuse")
            return None
        if data.client_id != client_id:
            if data.grant_id:  # spent on the wrong client: nothing was issued from it
                self.store.delete_grant(data.grant_id)
                db.session.commit()
            return None
        if not data.grant_id:  # a code saved before grants existed
            data.grant_id = self.new_grant(data.user_id, data.client_id, data.org_id).id
        return data

    def revoke_by_grant_id(self, grant_id: str | None, *, reason: str, **details) -> bool:
        """Revoke the grant: its refresh tokens, and every access token that names it. True
        when this call revoked it (once, however many callers race)."""
        if not grant_id:
            return False
        grant = self.store.revoke_grant(grant_id, utcnow(), reason)
        if grant is not None:
            audit.record(
                "oauth.grant.revoked",
                subject_id=grant.user_id,
                grant_id=grant_id,
                reason=reason,
                client_id=grant.client_id,
                **details,
            )
        db.session.commit()
        return grant is not None

    def revoke_grants_of(
        self,
        user_id: str,
        *,
        org_id: str | None = None,
        client_id: str | None = None,
        reason: str,
        actor_id: str | None = None,
    ) -> int:
        """Revoke the person's grants (at one client and/or acting for one office); the
        number revoked, in one audit record. For password changes, disabled accounts, ended
        memberships and the person's own "Revoke access"."""
        now = utcnow()
        ids = self.store.live_grants_of(user_id, now, org_id=org_id, client_id=client_id)
        revoked = self.store.revoke_grants(ids, now, reason)
        if revoked:
            audit.record(
                "oauth.grants.revoked",
                actor_id=actor_id or user_id,
                subject_id=user_id,
                reason=reason,
                grants=revoked,
                client_id=client_id,
                org_id=org_id,
            )
        db.session.commit()
        return revoked

    # --- refresh tokens ---------------------------------------------------------------------

    def save_refresh_token(
        self,
        refresh_token: str,
        client_id: str,
        principal: Principal,
        scope: str,
    ) -> RefreshToken:
        """A new token of the principal's grant (its family); a family lives
        ``oauth_refresh_token_days`` from its first sign-in, however often it rotates."""
        now = utcnow()
        family_id = (
            principal.grant_id or self.new_grant(principal.user.id, client_id, principal.org_id).id
        )
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
        return row

    def token_issued(
        self,
        *,
        grant_type: str,
        client_id: str,
        principal: Principal | None,
        scope: str,
        refresh_token: str | None,
    ) -> None:
        """Audit tokens the endpoint is about to hand out (never their values), with the
        refresh token they come with in the same commit. A service's token changes nothing
        else: its entry is written on its own, before the answer."""
        fields = {"grant_type": grant_type, "client_id": client_id, "scope": scope}
        if principal is None:
            if self.settings.audit_record_token_issuance:
                audit.write("oauth.token.issued", refresh=False, **fields)
            return
        audit.record_own(
            "oauth.token.issued",
            principal.user.id,
            org_id=principal.org_id,
            refresh=refresh_token is not None,
            **fields,
        )
        if refresh_token is None:
            db.session.commit()
            return
        self.save_refresh_token(refresh_token, client_id, principal, scope)

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
        """The token when it may be used; a rotated token presented again ends its family.
        Raises GrantRefused (saying why) when its grant was revoked."""
        row = self.find_refresh_token(refresh_token)
        if row is None or row.client_id != client_id:
            return None
        if aware(row.expires_at) <= utcnow():
            return None
        why = self.store.grant_revoked(row.family_id)
        if why:
            # A revocation is never undone: a token saved while its grant was being
            # revoked (a concurrent rotation, a replayed code) is dead as well.
            raise GrantRefused(f"the grant has ended ({why.replace('_', ' ')})")
        if row.revoked_at is not None:
            return None
        if row.rotated_at is not None:
            self.revoke_by_grant_id(row.family_id, reason="refresh_reuse")
            return None
        return row

    def refresh_principal(self, row: RefreshToken, org_id: str | None = None) -> Principal:
        """The principal of a refresh (re-checked now); a refusal that ends the grant
        revokes the family. Raises GrantRefused."""
        try:
            principal = principals.for_refresh(row, org_id)
        except GrantRefused as refused:
            if refused.reason:
                self.revoke_by_grant_id(row.family_id, reason=refused.reason)
            raise
        if principal.org_id and principal.org_id != row.org_id:
            self.note_office(row.family_id, principal.org_id)
        return principal

    def note_office(self, grant_id: str | None, org_id: str) -> None:
        """The grant now acts for another office too: its end there ends the grant."""
        if grant_id:
            self.store.note_grant_office(grant_id, org_id)
            db.session.commit()

    def claim_refresh_token(self, row: RefreshToken) -> bool:
        """Mark the token used; of two concurrent uses the loser revokes the family."""
        if self.store.claim_refresh_token(row.id, utcnow()):
            return True
        self.revoke_by_grant_id(row.family_id, reason="refresh_reuse")
        return False

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
            or self.store.grant_revoked(row.family_id) is not None,
            claims={"sub": row.user_id, "org": row.org_id, "iat": int(row.issued_at.timestamp())},
        )

    def access_record(self, claims: dict) -> TokenRecord:
        return TokenRecord(
            kind="access_token",
            client_id=claims.get("client_id", ""),
            scope=claims.get("scope", ""),
            expires_at=claims["exp"],
            revoked=not self.access_token_active(claims),
            claims=claims,
        )

    def revoke(self, record: TokenRecord) -> None:
        """RFC 7009: a refresh token ends its grant, access tokens included (§2.1); an access
        token alone is denied until it expires."""
        if record.refresh is not None:
            self.revoke_by_grant_id(record.refresh.family_id, reason="revoked_by_client")
        elif record.kind == "access_token":
            jti = str(record.claims.get("jti", ""))
            sub = record.claims.get("sub")
            audit.record(
                "oauth.token.revoked",
                subject_id=sub if sub != record.client_id else None,
                client_id=record.client_id,
                kind="access_token",
                jti=jti,
            )
            # The entry commits with the revocation (the store commits it).
            self.store.revoke_access_token(jti, datetime.fromtimestamp(record.expires_at, UTC))
            db.session.commit()

    def access_token_active(self, claims: dict) -> bool:
        """The grant the token names is unrevoked and the token was not revoked alone (one
        indexed statement). A token naming no grant is a service's (client credentials)."""
        grant_id = claims.get("grant_id")
        return self.store.access_token_live(
            str(grant_id) if grant_id else None, str(claims.get("jti", ""))
        )

    def client_assertion_unused(self, client_id: str, jti: str, exp: float) -> bool:
        """Record a private_key_jwt assertion id; False when it was seen before (replay)."""
        return self.store.add_assertion_id(client_id, jti, exp)

    # --- authorization and consent ----------------------------------------------------------

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
        """ "Revoke access" on the account page: withdraw consent and revoke every grant of the
        person at the client; True when there was something to revoke."""
        removed = self.store.delete_consent(user_id, client_id)
        if removed:
            audit.record(
                "oauth.consent.withdrawn",
                actor_id=actor_id or user_id,
                subject_id=user_id,
                client_id=client_id,
            )
        db.session.commit()
        ended = self.revoke_grants_of(
            user_id, client_id=client_id, reason="revoked_by_user", actor_id=actor_id
        )
        return bool(removed or ended)
