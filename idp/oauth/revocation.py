"""RFC 7009 token revocation: a refresh token revokes its whole grant, the access tokens of
it included (§2.1); an access token alone is refused (introspection, userinfo, exchange)
until it expires. Both are rows in the database (:meth:`OAuthService.revoke`)."""

from __future__ import annotations

from authlib.oauth2.rfc7009 import RevocationEndpoint

from idp.oauth.client_auth import ALL_METHODS
from idp.oauth.context import service
from idp.oauth.introspection import token_record
from idp.oauth.protocol import TokenRecord


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ALL_METHODS

    def query_token(self, token_string, token_type_hint):
        return token_record(token_string, token_type_hint)

    def revoke_token(self, token: TokenRecord, oauth_request):
        service().revoke(token)
