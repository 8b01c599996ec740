"""What the issuer publishes about itself: OpenID Connect Discovery / RFC 8414 metadata and
the JWKS of its signing keys."""

from __future__ import annotations

from idp.jwk.keyring import KeyRing
from idp.login.assurance import ACR_VALUES
from idp.oauth.client_auth import ALL_METHODS, ASSERTION_ALGS
from idp.oauth.clients import known_scopes
from idp.oauth.grant_types.token_exchange import TOKEN_EXCHANGE
from idp.oauth.tokens import SIGNING_ALGS

CLAIMS_SUPPORTED = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "at_hash",
    "sid",
    "name",
    "preferred_username",
    "email",
    "email_verified",
    "organization",
    "memberships",
]


def metadata(settings) -> dict:
    issuer = settings.issuer
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "userinfo_endpoint": f"{issuer}/oauth/userinfo",
        "jwks_uri": f"{issuer}/oauth/jwks",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "introspection_endpoint": f"{issuer}/oauth/introspect",
        "end_session_endpoint": f"{issuer}/oauth/logout",
        "scopes_supported": sorted(known_scopes(settings)),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            TOKEN_EXCHANGE,
        ],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": list(SIGNING_ALGS),
        "token_endpoint_auth_methods_supported": ALL_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "revocation_endpoint_auth_methods_supported": ALL_METHODS,
        "revocation_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "introspection_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "introspection_endpoint_auth_methods_supported": ALL_METHODS[:-1],
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "claims_supported": CLAIMS_SUPPORTED,
        "acr_values_supported": list(ACR_VALUES),
        "authorization_response_iss_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "claims_parameter_supported": False,
    }


def jwks(keyring: KeyRing) -> dict:
    """Public keys only: the active, next and recently retired keys of the ring."""
    return keyring.jwks()
