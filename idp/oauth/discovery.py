"""What the issuer publishes about itself: OpenID Connect Discovery / RFC 8414 metadata and
the JWKS of its signing keys.

Both are served from bodies serialized once (:class:`Published`, with a strong ``ETag``):
the metadata once per process (it depends on settings only), the JWKS once per set of
published key ids (a rotation, a new next key or a retired key dropping out changes the
set, and with it the body). Relying parties that send ``If-None-Match`` get a 304.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Published:
    """A JSON body ready to send, with its strong entity tag."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, document: dict) -> Published:
        body = json.dumps(document, separators=(",", ":")).encode()
        return cls(body, hashlib.sha256(body).hexdigest()[:32])


#: Per-process caches: settings never change in a running process; key sets are few.
_METADATA: dict[int, tuple[object, Published]] = {}
_JWKS: dict[tuple[str, tuple[str, ...]], Published] = {}


def metadata_body(settings) -> Published:
    cached = _METADATA.get(id(settings))
    if cached is None or cached[0] is not settings:
        cached = (settings, Published.of(metadata(settings)))
        _METADATA[id(settings)] = cached
    return cached[1]


def jwks_body(keyring: KeyRing) -> Published:
    """The JWKS body, rebuilt only when the set of published key ids changes."""
    key = (str(keyring.folder), tuple(s.kid for s in keyring.published()))
    body = _JWKS.get(key)
    if body is None:
        if len(_JWKS) > 16:
            _JWKS.clear()
        body = _JWKS[key] = Published.of(jwks(keyring))
    return body


#: Paths answered by :class:`PublishedFastPath`, with the Cache-Control max-age of each.
FAST_PATHS = {
    "/.well-known/openid-configuration": ("metadata", 300),
    "/.well-known/oauth-authorization-server": ("metadata", 300),
    "/oauth/jwks": ("jwks", 60),
    "/.well-known/jwks.json": ("jwks", 60),
}


class PublishedFastPath:
    """WSGI middleware: GET and HEAD of the discovery and JWKS paths answered from the
    published bodies before Flask (no request context, session, CSRF, hooks or routing:
    none of it has anything to do for a fixed public document). Everything else, a query
    string, and any error while building a body go to the app unchanged, so the answers
    and their failures stay the app's. Installed by ``idp.wsgi`` (the production servers).
    """

    def __init__(self, app) -> None:
        from idp.web.headers import security_headers

        self.app = app
        self.wsgi_app = app.wsgi_app
        self.settings = app.config["IDP_SETTINGS"]
        self.headers = security_headers(self.settings)

    def _published(self, kind: str) -> Published:
        if kind == "metadata":
            return metadata_body(self.settings)
        return jwks_body(self.app.extensions["idp.keyring"])

    def __call__(self, environ, start_response):
        found = FAST_PATHS.get(environ.get("PATH_INFO", ""))
        method = environ.get("REQUEST_METHOD")
        if found is None or method not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
            return self.wsgi_app(environ, start_response)
        kind, max_age = found
        try:
            published = self._published(kind)
        except Exception:  # noqa: BLE001 - the app answers (and logs) its own failures
            return self.wsgi_app(environ, start_response)
        headers = [
            ("ETag", f'"{published.etag}"'),
            ("Cache-Control", f"public, max-age={max_age}"),
            *self.headers,
        ]
        wanted = environ.get("HTTP_IF_NONE_MATCH")
        if wanted:
            from werkzeug.http import parse_etags

            if parse_etags(wanted).contains(published.etag):
                start_response("304 Not Modified", headers)
                return [b""]
        headers.append(("Content-Type", "application/json"))
        headers.append(("Content-Length", str(len(published.body))))
        start_response("200 OK", headers)
        return [b"" if method == "HEAD" else published.body]
