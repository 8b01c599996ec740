"""The protocol layer: Authlib's authorization server with our grants and endpoints.

Grants reach storage only through :mod:`idp.oauth.storage`; signing goes through
:mod:`idp.oauth.tokens`. One server per application, kept in ``app.extensions``.
"""

from __future__ import annotations

import base64
import binascii
import time
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.base import invalid_error_characters
from authlib.oauth2.rfc6749 import (
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    UnauthorizedClientError,
    UnsupportedResponseTypeError,
)
from authlib.oauth2.rfc6749.grants import (
    AuthorizationCodeGrant,
    BaseGrant,
    ClientCredentialsGrant,
    RefreshTokenGrant,
    TokenEndpointMixin,
)
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core.grants import OpenIDCode
from flask import current_app, request
from joserfc.jwk import KeySet

from idp.jwk.keyring import KeyRing
from idp.oauth.storage import (
    IDENTITY_SCOPES,
    AuthCode,
    GrantRefused,
    OAuthStorage,
    Principal,
    TokenRecord,
    new_refresh_token,
    storage_for,
)
from idp.oauth.tokens import ACCESS_TOKEN_TYP, BadToken, TokenMinter

SECRET_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
ALL_METHODS = [*SECRET_METHODS, "none"]


def settings():
    return current_app.config["IDP_SETTINGS"]


def storage() -> OAuthStorage:
    return storage_for(settings(), current_app.config["SECRET_KEY"])


def keyring() -> KeyRing:
    return current_app.extensions["idp.keyring"]


def minter() -> TokenMinter:
    """One per application: it holds only settings and the key ring, whose cache of
    parsed keys notices changes to the keys folder by itself."""
    return current_app.extensions["idp.minter"]


def oauth_server() -> AuthorizationServer:
    return current_app.extensions["idp.oauth"]


class InvalidTargetError(OAuth2Error):
    """RFC 8707: the requested resource is not one this client may get tokens for."""

    error = "invalid_target"


# --- tokens ---------------------------------------------------------------------------------


def _role_scopes(role: str | None) -> set[str]:
    from idp.orgs.roles import get_role

    found = get_role(settings(), role) if role else None
    return set(found.scopes) if found else set()


def _audience(client, principal: Principal | None) -> str:
    """RFC 8707 ``resource`` when given (must be one of the client's audiences), else the
    client's default audience, else the issuer (a token only for userinfo)."""
    resources = request.values.getlist("resource")
    if len(resources) > 1:
        raise InvalidTargetError(description="Ask for one resource per token.")
    if resources:
        resource = resources[0]
        parts = urlsplit(resource)
        if not parts.scheme or parts.fragment or resource not in client.audiences:
            raise InvalidTargetError(description="The resource is not registered for this client.")
        return resource
    if (
        principal is not None
        and principal.audience
        and request.form.get("grant_type") == "refresh_token"
    ):
        return principal.audience
    return client.audiences[0] if client.audiences else settings().issuer


def generate_token(
    grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True
):
    """Token generator for every grant: an RFC 9068 JWT, plus a refresh token for people."""
    principal: Principal | None = user
    audience = _audience(client, principal)
    requested = (scope or "").split()
    if principal is None:
        if not requested:
            requested = [s for s in client.model.scopes if s not in IDENTITY_SCOPES]
        scope = " ".join(s for s in requested if s not in IDENTITY_SCOPES)
        sub, org, roles = client.client_id, None, None
    else:
        allowed = set(IDENTITY_SCOPES) | _role_scopes(principal.role)
        scope = " ".join(s for s in requested if s in allowed)
        sub = principal.user.id
        org = storage().org_claim(principal.org_id) if principal.org_id else None
        roles = [principal.role] if principal.role else []
        principal.audience = audience
    access_token, claims = minter().access_token(
        client_id=client.client_id,
        sub=sub,
        audience=audience,
        scope=scope,
        alg=client.model.id_token_alg,
        org=org,
        roles=roles,
        auth_time=principal.auth_time if principal else None,
        acr=principal.acr if principal else None,
        sid=principal.sid if principal else None,
    )
    token = {
        "token_type": "Bearer",
        "access_token": access_token,
        "expires_in": claims["exp"] - claims["iat"],
        "scope": scope,
    }
    if include_refresh_token and principal is not None:
        token["refresh_token"] = new_refresh_token()
    return token


def save_token(token, oauth_request) -> None:
    if "refresh_token" not in token:
        return
    code = getattr(oauth_request, "authorization_code", None)
    storage().save_refresh_token(
        token["refresh_token"],
        oauth_request.client.client_id,
        oauth_request.user,
        token.get("scope", ""),
        code=code if isinstance(code, AuthCode) else None,
    )


# --- grants ---------------------------------------------------------------------------------


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

    def save_authorization_code(self, code, oauth_request):
        principal: Principal = oauth_request.user
        data = oauth_request.payload.data
        storage().save_code(
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
        if not code or len(code) > 200:
            return None
        return storage().take_code(code, client.client_id)

    def delete_authorization_code(self, authorization_code):
        """Nothing to do: the code was consumed atomically when it was read."""

    def authenticate_user(self, authorization_code):
        principal = storage().principal_for_code(authorization_code)
        if principal is None:
            raise InvalidGrantError("The user can no longer sign in.")
        return principal


class RefreshGrant(RefreshTokenGrant):
    """Rotation on every use; a rotated token used again revokes its whole family. An
    ``organization`` parameter switches the office (membership is checked each time)."""

    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        row = storage().usable_refresh_token(refresh_token, self.request.client.client_id)
        if row is None:
            return None
        return TokenRecord(
            kind="refresh_token",
            client_id=row.client_id,
            scope=row.scope,
            expires_at=0,
            revoked=False,
            refresh=row,
        )

    def authenticate_user(self, record: TokenRecord):
        org_id = self.request.form.get("organization") or None
        try:
            principal = storage().principal_for_refresh(record.refresh, org_id)
        except GrantRefused as exc:
            raise InvalidGrantError(str(exc)) from None
        if not storage().claim_refresh_token(record.refresh):
            raise InvalidGrantError("The refresh token was already used; the grant is revoked.")
        return principal

    def revoke_old_credential(self, refresh_token):
        """Already marked used by claim_refresh_token (atomically, before issuing)."""


class ServiceGrant(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_METHODS


TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105


class OfficeTokenExchange(BaseGrant, TokenEndpointMixin):
    """RFC 8693: trade a person's access token (issued to this same client) for one acting
    for another office they belong to, without a new sign-in. Membership, account status
    and password are checked as on a refresh; no refresh token is issued."""

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
        if storage().access_token_revoked(claims.get("jti", "")):
            raise InvalidGrantError("subject_token: revoked")
        if claims.get("client_id") != client.client_id or claims.get("sub") == client.client_id:
            raise InvalidGrantError("subject_token: not a person's token of this client")
        granted = set(str(claims.get("scope", "")).split())
        requested = self.request.payload.scope
        if requested and not set(requested.split()) <= granted:
            raise InvalidScopeError()
        try:
            principal = storage().principal_for_exchange(claims, org_id)
        except GrantRefused as exc:
            raise InvalidGrantError(str(exc)) from None
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


class OpenIDExtension(OpenIDCode):
    """ID tokens signed by the key ring, with sid and our organization claims."""

    def __init__(self):
        super().__init__(require_nonce=False)

    def exists_nonce(self, nonce, oauth_request):
        return False

    def resolve_client_private_key(self, client):
        return keyring().signing_key(client.model.id_token_alg)[1]

    def get_client_algorithm(self, client):
        return client.model.id_token_alg

    def get_encode_header(self, client):
        alg = client.model.id_token_alg
        return {"alg": alg, "kid": keyring().signing_key(alg)[0]}

    def get_client_claims(self, client):
        now = int(time.time())
        return {
            "iss": settings().issuer,
            "aud": client.client_id,
            "iat": now,
            "exp": now + settings().oauth_id_token_minutes * 60,
        }

    def generate_user_info(self, user: Principal, scope):
        return {"sub": user.user.id, "sid": user.sid, **user_claims(user, scope)}


def user_claims(principal: Principal, scope: str) -> dict:
    scopes = set((scope or "").split())
    claims: dict = {}
    user = principal.user
    if "profile" in scopes:
        claims["name"] = user.display_name
        claims["preferred_username"] = user.username
    if "email" in scopes:
        claims["email"] = user.email
        claims["email_verified"] = bool(user.email_verified)
    if "organization" in scopes and principal.org_id:
        org = storage().org_claim(principal.org_id)
        if org:
            claims["organization"] = {**org, "roles": [principal.role] if principal.role else []}
    return claims


# --- client authentication and endpoints ----------------------------------------------------


#: Longest lifetime left (seconds) accepted on a private_key_jwt client assertion.
MAX_ASSERTION_SECONDS = 300


class PrivateKeyJwt(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self):
        super().__init__(validate_jti=True, leeway=30)

    def verify_claims(self, claims):
        """A client assertion is made for one request: one valid for hours or years is a
        reusable credential if it leaks (and its jti would be kept that long), so refuse it
        before the jti is recorded."""
        exp = claims.get("exp")
        if isinstance(exp, int | float) and exp > time.time() + MAX_ASSERTION_SECONDS + self.leeway:
            raise InvalidClientError(
                description=f"The assertion must expire within {MAX_ASSERTION_SECONDS} seconds."
            )
        super().verify_claims(claims)

    def get_audiences(self):
        issuer = settings().issuer
        return [issuer, issuer + "/", issuer + "/oauth/token"]

    def validate_jti(self, claims, jti):
        return storage().client_assertion_unused(claims["sub"], str(jti), claims["exp"])

    def resolve_client_public_key(self, client):
        return KeySet.import_key_set(storage().client_jwks(client))


def _token_record(token_string: str, hint: str | None) -> TokenRecord | None:
    if not token_string or len(token_string) > 8192:
        return None
    if hint != "access_token" and "." not in token_string:
        record = storage().refresh_record(token_string)
        if record is not None:
            return record
    try:
        claims = minter().verify(token_string, typ=ACCESS_TOKEN_TYP, allow_expired=True)
    except BadToken:
        return None
    return TokenRecord(
        kind="access_token",
        client_id=claims.get("client_id", ""),
        scope=claims.get("scope", ""),
        expires_at=claims["exp"],
        revoked=storage().access_token_revoked(claims.get("jti", "")),
        claims=claims,
    )


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ALL_METHODS

    def query_token(self, token_string, token_type_hint):
        return _token_record(token_string, token_type_hint)

    def revoke_token(self, token: TokenRecord, oauth_request):
        if token.kind == "refresh_token":
            storage().revoke_refresh_record(token)
        else:
            storage().revoke_access_token(token.claims.get("jti", ""), token.expires_at)


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = SECRET_METHODS

    def query_token(self, token_string, token_type_hint):
        return _token_record(token_string, token_type_hint)

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
        claims = token.claims
        payload = {"active": True, "token_type": "Bearer"}
        for key in (
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
        ):
            if key in claims:
                payload[key] = claims[key]
        return payload


class Issuer(IssuerParameter):
    def get_issuer(self) -> str:
        return settings().issuer


def _readable_authorization(value: str | None) -> bool:
    """False for an Authorization header Authlib's Basic parsing would crash on: a scheme
    with blank credentials, or Basic credentials that are not UTF-8."""
    if not value or " " not in value:
        return True
    parts = value.split(None, 1)
    if len(parts) != 2:
        return False
    scheme, credentials = parts
    if scheme.lower() != "basic":
        return True
    try:
        base64.b64decode(credentials).decode("utf-8")
    except binascii.Error:
        return True  # Authlib reads this as "no credentials"
    except UnicodeDecodeError:
        return False
    return True


class Server(AuthorizationServer):
    def authenticate_client(self, request, methods, endpoint="token"):
        if not _readable_authorization(request.headers.get("Authorization")):
            raise InvalidClientError(description="The Authorization header cannot be read.")
        return super().authenticate_client(request, methods, endpoint)

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
    server.init_app(
        app,
        query_client=lambda client_id: storage().query_client(client_id),
        save_token=save_token,
    )
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
    return server
