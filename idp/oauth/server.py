"""Authlib's authorization server with our grants, endpoints and client authentication:
one per application, kept in ``app.extensions`` with its key ring and token minter.

Grants reach storage only through :mod:`idp.oauth.service` (around :mod:`idp.oauth.store`);
signing goes through :mod:`idp.oauth.tokens`.
"""

from __future__ import annotations

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Request
from authlib.oauth2.base import invalid_error_characters
from authlib.oauth2.rfc6749 import InvalidClientError, UnsupportedResponseTypeError
from authlib.oauth2.rfc9207 import IssuerParameter
from flask import request as flask_request

from idp.extensions import db
from idp.jwk.keyring import KeyRing
from idp.oauth.client_auth import PrivateKeyJwt, claimed_client_id, readable_authorization
from idp.oauth.context import query_client, service, settings
from idp.oauth.fastpath import outage_met_before
from idp.oauth.grant_types.authorization_code import CodeGrant, S256Challenge
from idp.oauth.grant_types.client_credentials import ServiceGrant
from idp.oauth.grant_types.refresh_token import RefreshGrant
from idp.oauth.grant_types.token_exchange import OfficeTokenExchange
from idp.oauth.id_token import OpenIDExtension
from idp.oauth.introspection import Introspection
from idp.oauth.live_tokens import live_tokens_for
from idp.oauth.revocation import Revocation
from idp.oauth.token import generate_token, save_token
from idp.oauth.tokens import TokenMinter


class Issuer(IssuerParameter):
    def get_issuer(self) -> str:
        return settings().issuer


class Server(AuthorizationServer):
    def create_oauth2_request(self, request):
        """The request handed in, else Flask's (Authlib's Flask server always reads
        Flask's): a sign-in continuing to the authorization endpoint hands the
        authorization request (:func:`idp.oauth.authorize.continue_after_sign_in`)."""
        return FlaskOAuth2Request(flask_request if request is None else request)

    def authenticate_client(self, request, methods, endpoint="token"):
        try:
            if not readable_authorization(request.headers.get("Authorization")):
                raise InvalidClientError(description="The Authorization header cannot be read.")
            return super().authenticate_client(request, methods, endpoint)
        except InvalidClientError as exc:
            service().client_auth_failed(claimed_client_id(request), endpoint, exc.description)
            raise

    def create_token_response(self, request=None):
        outage_met_before()
        return super().create_token_response(request)

    def create_endpoint_response(self, name, request=None):
        outage_met_before()
        return super().create_endpoint_response(name, request)

    def get_authorization_grant(self, request):
        """Authlib quotes an unknown response_type in its error description, and raises
        ValueError (a 500) when the value has characters RFC 6749 forbids there: refuse
        such a value first, without quoting it."""
        response_type = request.payload.response_type
        if response_type and invalid_error_characters(response_type):
            raise UnsupportedResponseTypeError(
                None, description="The response type is not supported by the server."
            )
        return super().get_authorization_grant(request)


def init_oauth(app) -> AuthorizationServer:
    server = Server()
    server.init_app(app, query_client=query_client, save_token=save_token)
    server.register_token_generator("default", generate_token)
    server.register_client_auth_method("private_key_jwt", PrivateKeyJwt())
    server.register_grant(CodeGrant, [S256Challenge(required=True), OpenIDExtension()])
    server.register_grant(RefreshGrant)
    server.register_grant(ServiceGrant)
    server.register_grant(OfficeTokenExchange)
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)
    server.register_extension(Issuer())
    app.extensions["idp.oauth"] = server
    settings_ = app.config["IDP_SETTINGS"]
    app.extensions["idp.keyring"] = KeyRing(settings_.keys_path)
    app.extensions["idp.minter"] = TokenMinter(settings_, app.extensions["idp.keyring"])
    with app.app_context():
        app.extensions["idp.oauth.live_tokens"] = live_tokens_for(db.engine)
    return server
