"""The refresh token grant: rotation on every use; a rotated token used again revokes its
whole family. An ``organization`` parameter switches the office (membership is checked each
time, as are account status and password: :func:`idp.oauth.principals.for_refresh`)."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidGrantError
from authlib.oauth2.rfc6749.grants import RefreshTokenGrant

from idp.oauth.client_auth import ALL_METHODS
from idp.oauth.context import service
from idp.oauth.principals import GrantRefused
from idp.oauth.protocol import TokenRecord


class RefreshGrant(RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        try:
            row = service().usable_refresh_token(refresh_token, self.request.client.client_id)
        except GrantRefused as exc:
            raise InvalidGrantError(str(exc)) from None
        return TokenRecord.of_refresh(row) if row is not None else None

    def authenticate_user(self, record: TokenRecord):
        org_id = self.request.form.get("organization") or None
        grants = service()
        if record.refresh is None:
            raise InvalidGrantError("The refresh token is not valid.")
        try:
            principal = grants.refresh_principal(record.refresh, org_id)
        except GrantRefused as exc:
            raise InvalidGrantError(str(exc)) from None
        if not grants.claim_refresh_token(record.refresh):
            raise InvalidGrantError("The refresh token was already used; the grant is revoked.")
        return principal

    def revoke_old_credential(self, refresh_token):
        """Already marked used by claim_refresh_token (atomically, before issuing)."""
