"""The client credentials grant: a service acting for itself, with a secret or a signed
assertion (never a public client). Scopes are its API scopes (:func:`token.granted_scope`)."""

from __future__ import annotations

from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant

from idp.oauth.client_auth import SECRET_METHODS


class ServiceGrant(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_METHODS
