"""The authorization code grant (RFC 6749 §4.1) with PKCE S256 (RFC 7636).

A code is consumed atomically when it is read; a replayed code revokes the grant the code
began, with every token of it (:meth:`OAuthService.redeem_code`).
"""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc7636 import CodeChallenge

from idp.oauth import principals
from idp.oauth.client_auth import ALL_METHODS
from idp.oauth.context import service
from idp.oauth.protocol import AuthCode, Principal

#: Longest code looked up (ours are 48 characters); longer input is never one.
MAX_CODE = 200


class S256Challenge(CodeChallenge):
    """PKCE with S256 only; required for public clients and for any client that keeps the
    default ``require_pkce``."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        client = grant.request.client
        if not data.get("code_challenge"):
            if client.model.require_pkce or client.model.is_public:
                raise InvalidRequestError(
                    "PKCE is required: send code_challenge with code_challenge_method=S256."
                )
            return
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS

    @staticmethod
    def validate_authorization_redirect_uri(request, client):
        """Authlib quotes an unregistered redirect URI in its error description and fails
        (a 500) when the URI has characters RFC 6749 forbids there: refuse it unquoted."""
        redirect_uri = request.payload.redirect_uri
        if redirect_uri and not client.check_redirect_uri(redirect_uri):
            raise InvalidRequestError("The redirect URI is not registered for this client.")
        return AuthorizationCodeGrant.validate_authorization_redirect_uri(request, client)

    def save_authorization_code(self, code, oauth_request):
        principal: Principal = oauth_request.user
        data = oauth_request.payload.data
        service().issue_code(
            code,
            AuthCode(
                client_id=oauth_request.client.client_id,
                user_id=principal.user.id,
                org_id=principal.org_id,
                redirect_uri=oauth_request.payload.redirect_uri or "",
                scope=oauth_request.scope or "",
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                auth_time=principal.auth_time,
                amr=principal.amr,
                sid=principal.sid,
            ),
        )

    def query_authorization_code(self, code, client):
        if not code or len(code) > MAX_CODE:
            return None
        return service().redeem_code(code, client.client_id)

    def delete_authorization_code(self, authorization_code):
        """Nothing to do: the code was consumed atomically when it was read."""

    def authenticate_user(self, authorization_code):
        principal = principals.for_code(authorization_code)
        if principal is None:
            raise InvalidGrantError("The user can no longer sign in.")
        return principal
