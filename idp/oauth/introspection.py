"""RFC 7662 token introspection, for the client a token was issued to or a resource server
it is meant for."""

from __future__ import annotations

from authlib.oauth2.rfc7662 import IntrospectionEndpoint

from idp.oauth.client_auth import SECRET_METHODS
from idp.oauth.context import minter, service, settings
from idp.oauth.protocol import TokenRecord
from idp.oauth.tokens import ACCESS_TOKEN_TYP, BadToken

#: Longest token looked at; ours are far shorter.
MAX_TOKEN = 8192
#: Access-token claims an introspection answer repeats.
INTROSPECTED_CLAIMS = (
    "scope",
    "client_id",
    "sub",
    "aud",
    "iss",
    "exp",
    "iat",
    "nbf",
    "jti",
    "org",
    "roles",
    "auth_time",
    "acr",
    "grant_id",
)


def token_record(token_string: str, hint: str | None) -> TokenRecord | None:
    """A refresh token of ours, or an access token we signed (expired ones included, so
    that they can be answered as inactive); None for anything else."""
    if not token_string or len(token_string) > MAX_TOKEN:
        return None
    grants = service()
    if hint != "access_token" and "." not in token_string:
        record = grants.refresh_record(token_string)
        if record is not None:
            return record
    try:
        claims = minter().verify(token_string, typ=ACCESS_TOKEN_TYP, allow_expired=True)
    except BadToken:
        return None
    return grants.access_record(claims)


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = SECRET_METHODS

    def query_token(self, token_string, token_type_hint):
        return token_record(token_string, token_type_hint)

    def check_permission(self, token: TokenRecord, client, oauth_request):
        """The client the token was issued to, or a resource server it is meant for."""
        if token.client_id == client.client_id:
            return True
        aud = token.claims.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        return any(a in client.audiences for a in auds if a)

    def introspect_token(self, token: TokenRecord):
        if token.kind == "refresh_token":
            return {
                "active": True,
                "token_type": "refresh_token",
                "client_id": token.client_id,
                "scope": token.scope,
                "sub": token.claims.get("sub"),
                "exp": int(token.expires_at),
                "iat": token.claims.get("iat"),
                "iss": settings().issuer,
            }
        payload = {"active": True, "token_type": "Bearer"}
        payload.update({k: token.claims[k] for k in INTROSPECTED_CLAIMS if k in token.claims})
        return payload
