"""Tables of the authorization server: clients, grants, refresh tokens, revoked access
tokens, consents.

Authorization codes are short-lived and single-use, so they live in shared state (an atomic
``pop`` consumes them across every instance); access tokens are self-contained JWTs. What
is revoked lives here, in the database, never only in shared state: a flushed Redis forgets
codes and sessions (people sign in again) but no revocation.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from idp.accounts.models import BelongsToUser, new_id
from idp.common.clock import utcnow
from idp.extensions import Model

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")
GRANT_TYPES = (
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "urn:ietf:params:oauth:grant-type:token-exchange",
)


def _load(text: str | None) -> list:
    return json.loads(text) if text else []


def _json_list(column: str) -> property:
    """A read-only list view of a text column that holds a JSON array (``[]`` when empty)."""
    return property(lambda row: _load(getattr(row, column)), doc=f"The list in ``{column}``.")


class OAuthClient(Model):
    """A relying party or service registered by a security admin."""

    __tablename__ = "oauth_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: HMAC-SHA-256 of the secret under the server's key; None for public and JWT clients.
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    secret_rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(40), nullable=False)
    redirect_uris_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    post_logout_redirect_uris_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    grant_types_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    scopes_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    default_audience: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    first_party: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    require_pkce: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    id_token_alg: Mapped[str] = mapped_column(String(10), nullable=False, default="ES256")
    #: Public keys (JWKS JSON) for private_key_jwt client authentication.
    jwks_json: Mapped[str | None] = mapped_column(Text)
    backchannel_logout_uri: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    #: Where the dashboard sends people to open this application (first-party apps).
    launch_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    redirect_uris = _json_list("redirect_uris_json")

    post_logout_redirect_uris = _json_list("post_logout_redirect_uris_json")

    grant_types = _json_list("grant_types_json")

    scopes = _json_list("scopes_json")

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == "none"  # noqa: S105

    def to_dict(self) -> dict:
        return {
            "client_id": self.client_id,
            "name": self.name,
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "public": self.is_public,
            "redirect_uris": self.redirect_uris,
            "post_logout_redirect_uris": self.post_logout_redirect_uris,
            "grant_types": self.grant_types,
            "scopes": self.scopes,
            "default_audience": self.default_audience,
            "first_party": self.first_party,
            "require_pkce": self.require_pkce,
            "id_token_alg": self.id_token_alg,
            "backchannel_logout_uri": self.backchannel_logout_uri,
            "launch_url": self.launch_url,
            "has_jwks": bool(self.jwks_json),
            "disabled": self.disabled,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "secret_rotated_at": (
                self.secret_rotated_at.isoformat() if self.secret_rotated_at else None
            ),
        }


class OAuthGrant(Model):
    """One authorization of a person at one client: a sign-in redeemed through one code.

    Every access token of it names it (the ``grant_id`` claim), and its refresh tokens are
    one family with ``family_id`` = the grant's id. Revoking the grant (``revoked_at``) ends
    all of them at once and for good (node-oidc-provider's ``revokeByGrantId``); the row is
    created when the code is issued, so a replay of the code finds it even while the first
    redemption is still issuing tokens.
    """

    __tablename__ = "oauth_grants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: The office of the sign-in; ``other_org_ids`` (space-separated) are offices the grant
    #: switched to since (refresh with ``organization``, token exchange).
    org_id: Mapped[str | None] = mapped_column(String(36))
    other_org_ids: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: SHA-256 of the code that began it (a replay finds the grant by it).
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    #: No token of the grant lives longer (the refresh family's bound).
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class RevokedAccessToken(Model):
    """An access token revoked on its own (RFC 7009, by ``jti``); kept until it expires."""

    __tablename__ = "oauth_revoked_access_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RefreshToken(Model):
    """One refresh token of a family; each use rotates it (the old one is marked used)."""

    __tablename__ = "oauth_refresh_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    #: SHA-256 of the token (random, 256 bits).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    #: The grant (``OAuthGrant.id``) this token belongs to.
    family_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    org_id: Mapped[str | None] = mapped_column(String(36))
    scope: Mapped[str] = mapped_column(Text, nullable=False, default="")
    audience: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    sid: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    auth_time: Mapped[float] = mapped_column(nullable=False)
    amr_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    #: When the family began (first sign-in): a later password change ends the family.
    family_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    amr = _json_list("amr_json")


class Consent(BelongsToUser, Model):
    """Scopes a person allowed a third-party client; remembered until revoked."""

    __tablename__ = "oauth_consents"
    __table_args__ = (UniqueConstraint("user_id", "client_id", name="uq_consent_user_client"),)

    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), nullable=False
    )
    scopes_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    scopes = _json_list("scopes_json")
