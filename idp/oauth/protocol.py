"""Our records as Authlib's grants and endpoints see them: the client, the person a token
is for, an authorization code, a token being introspected or revoked. Plain objects; no
storage and no HTTP."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from idp.accounts.models import User
from idp.login.assurance import acr_for
from idp.oauth.clients import check_secret
from idp.oauth.models import OAuthClient, RefreshToken
from idp.oauth.redirect_uris import is_registered

#: Scopes about the person rather than an API; never limited by the office role.
IDENTITY_SCOPES = ("openid", "profile", "email", "organization", "offline_access")
SECRET_IN_REQUEST = ("client_secret_basic", "client_secret_post")


class ProtocolClient:
    """An OAuthClient as Authlib's ClientMixin sees it."""

    def __init__(self, model: OAuthClient, pepper: str):
        self.model = model
        self.pepper = pepper
        self.client_id = model.client_id
        self.id_token_signed_response_alg = model.id_token_alg

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.model.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        allowed = set(self.model.scopes)
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return is_registered(redirect_uri, self.model.redirect_uris, native=self.model.is_public)

    def check_client_secret(self, client_secret: str) -> bool:
        return check_secret(self.pepper, self.model, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        """The registered method; a secret may travel in the header or in the body."""
        registered = self.model.token_endpoint_auth_method
        if registered in SECRET_IN_REQUEST:
            return method in SECRET_IN_REQUEST
        return method == registered

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.model.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.model.grant_types

    @property
    def audiences(self) -> list[str]:
        return self.model.default_audience.split()


@dataclass
class Principal:
    """Who a user-bound token is for: the person, the office they act for, the sign-in."""

    user: User
    org_id: str | None
    role: str | None
    sid: str
    auth_time: float
    amr: list[str]
    #: The grant the tokens belong to (``OAuthGrant.id``, the refresh family's id).
    grant_id: str | None = None
    family_started_at: datetime | None = None
    audience: str = ""

    def get_user_id(self) -> str:
        return self.user.id

    @property
    def acr(self) -> str:
        return acr_for(self.amr)


@dataclass
class AuthCode:
    """An issued authorization code (kept in shared state until redeemed)."""

    client_id: str
    user_id: str
    org_id: str | None
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: float
    amr: list[str] = field(default_factory=list)
    sid: str = ""
    code_hash: str = ""
    #: The grant this code begins (created with the code, so a replay can revoke it).
    grant_id: str = ""

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(self.auth_time)

    def get_acr(self) -> str:
        return acr_for(self.amr)

    def get_amr(self) -> list[str]:
        return list(self.amr)


@dataclass
class TokenRecord:
    """A refresh token or a decoded access token, as introspection and revocation see it."""

    kind: str
    client_id: str
    scope: str
    expires_at: float
    revoked: bool
    claims: dict = field(default_factory=dict)
    refresh: RefreshToken | None = None

    @classmethod
    def of_refresh(
        cls, row: RefreshToken, *, expires_at: float = 0, revoked: bool = False, claims=None
    ) -> TokenRecord:
        return cls(
            kind="refresh_token",
            client_id=row.client_id,
            scope=row.scope,
            expires_at=expires_at,
            revoked=revoked,
            claims=claims or {},
            refresh=row,
        )

    def check_client(self, client) -> bool:
        return client.get_client_id() == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return self.expires_at <= time.time()

    def is_revoked(self) -> bool:
        return self.revoked
