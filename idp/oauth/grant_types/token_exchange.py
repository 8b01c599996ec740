"""RFC 8693 token exchange: trade a person's access token (issued to this same client) for
one acting for another office they belong to, without a new sign-in. Membership, account
status and password are checked as on a refresh; no refresh token is issued. The new token
stays in the subject token's grant (``grant_id``): revoking that grant revokes both."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc6749.grants import BaseGrant, TokenEndpointMixin

from idp.oauth import principals
from idp.oauth.client_auth import ALL_METHODS
from idp.oauth.context import minter, service
from idp.oauth.principals import GrantRefused
from idp.oauth.tokens import ACCESS_TOKEN_TYP, BadToken

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105


class OfficeTokenExchange(BaseGrant, TokenEndpointMixin):
    GRANT_TYPE = TOKEN_EXCHANGE
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS

    def validate_token_request(self):
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise UnauthorizedClientError("The client may not use token exchange.")
        form = self.request.form
        if form.get("subject_token_type") != ACCESS_TOKEN_TYPE or not form.get("subject_token"):
            raise InvalidRequestError(f"Send subject_token of type {ACCESS_TOKEN_TYPE}.")
        if form.get("requested_token_type") not in (None, ACCESS_TOKEN_TYPE):
            raise InvalidRequestError("Only access tokens can be requested.")
        org_id = form.get("organization")
        if not org_id:
            raise InvalidRequestError("Name the office with the organization parameter.")
        try:
            claims = minter().verify(form["subject_token"], typ=ACCESS_TOKEN_TYP)
        except BadToken as exc:
            raise InvalidGrantError(f"subject_token: {exc}") from None
        grants = service()
        if not grants.access_token_active(claims):
            raise InvalidGrantError("subject_token: revoked")
        if claims.get("client_id") != client.client_id or claims.get("sub") == client.client_id:
            raise InvalidGrantError("subject_token: not a person's token of this client")
        granted = set(str(claims.get("scope", "")).split())
        requested = self.request.payload.scope
        if requested and not set(requested.split()) <= granted:
            raise InvalidScopeError()
        try:
            principal = principals.for_exchange(claims, org_id)
        except GrantRefused as exc:
            raise InvalidGrantError(str(exc)) from None
        if principal.org_id:
            grants.note_office(principal.grant_id, principal.org_id)
        self.request.client = client
        self.request.user = principal
        self.request.exchange_scope = requested or " ".join(sorted(granted))

    def create_token_response(self):
        token = self.generate_token(
            user=self.request.user,
            scope=self.request.exchange_scope,
            include_refresh_token=False,
        )
        token["issued_token_type"] = ACCESS_TOKEN_TYPE
        return 200, token, self.TOKEN_RESPONSE_HEADER
