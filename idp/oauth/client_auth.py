"""How clients authenticate at the token, introspection and revocation endpoints."""

from __future__ import annotations

import base64
import binascii
import json
import time
from urllib.parse import unquote

from authlib.oauth2.rfc6749 import InvalidClientError
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc.jwk import KeySet

from idp.oauth.context import query_client, service, settings

SECRET_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
ALL_METHODS = [*SECRET_METHODS, "none"]
#: Algorithms accepted for private_key_jwt client assertions.
ASSERTION_ALGS = ["ES256", "RS256", "PS256", "EdDSA"]
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
        return service().client_assertion_unused(claims["sub"], str(jti), claims["exp"])

    def resolve_client_public_key(self, client):
        return KeySet.import_key_set(json.loads(client.model.jwks_json or '{"keys": []}'))


def claimed_client_id(request) -> str | None:
    """The client id a request claims (Basic user name, else the form's ``client_id``),
    for the audit entry of a failed authentication; never the secret."""
    value = request.headers.get("Authorization") or ""
    scheme, _, credentials = value.partition(" ")
    if scheme.lower() == "basic" and credentials:
        try:
            user = base64.b64decode(credentials, validate=True).decode("utf-8").split(":", 1)[0]
        except (binascii.Error, UnicodeDecodeError):
            user = ""
        if user:
            return unquote(user)[:64]
    claimed = request.payload.client_id if request.payload is not None else None
    return str(claimed)[:64] if claimed else None


def readable_authorization(value: str | None) -> bool:
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


#: Form fields that carry client credentials (beside HTTP Basic).
CREDENTIAL_FIELDS = frozenset(
    {"client_id", "client_secret", "client_assertion", "client_assertion_type"}
)


def secret_client(form: dict[str, list[str]], authorization: str | None, methods, endpoint: str):
    """The client a request names and proves with its secret, for the answers made before
    Flask: ``client_secret_basic`` when there is an Authorization header and no credential
    in the form, ``client_secret_post`` when there is neither header nor assertion. The
    checks are Authlib's and the client's own (:func:`readable_authorization`, Authlib's
    Basic reading, :func:`~idp.oauth.context.query_client`, the secret and the registered
    method); None for anything else, including every failure, which Flask's path then
    answers (and audits) in its one way."""
    if authorization is not None:
        if "client_secret_basic" not in methods or form.keys() & CREDENTIAL_FIELDS:
            return None
        if not readable_authorization(authorization):
            return None
        client_id, secret = extract_basic_authorization({"Authorization": authorization})
        method = "client_secret_basic"
    else:
        if "client_secret_post" not in methods or form.keys() & {
            "client_assertion",
            "client_assertion_type",
        }:
            return None
        ids, secrets = form.get("client_id", []), form.get("client_secret", [])
        if len(ids) != 1 or len(secrets) != 1:
            return None
        client_id, secret = ids[0], secrets[0]
        method = "client_secret_post"
    if not client_id or not secret:
        return None
    client = query_client(client_id)
    if client is None or not client.check_client_secret(secret):
        return None
    return client if client.check_endpoint_auth_method(method, endpoint) else None
