"""Signed tokens of this issuer: access tokens (RFC 9068), logout tokens, and checks of
tokens we issued ourselves (id_token_hint, userinfo, introspection). Keys come from the
key ring; nothing here touches storage or HTTP.
"""

from __future__ import annotations

import base64
import json
import time
import uuid

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jws import JWSAlgModel, JWSRegistry

from idp.jwk.keyring import KeyRing

ACCESS_TOKEN_TYP = "at+jwt"  # noqa: S105
LOGOUT_TOKEN_TYP = "logout+jwt"  # noqa: S105
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
SIGNING_ALGS = ["ES256", "RS256"]
#: Tokens whose signature this process has checked, at most (see ``TokenMinter._decoded``).
VERIFIED_CACHE_SIZE = 2048


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


class BadToken(Exception):
    """Not a valid token of this issuer (bad signature, wrong type, expired ...)."""


class TokenMinter:
    def __init__(self, settings, keyring: KeyRing):
        self.settings = settings
        self.keyring = keyring
        self.issuer = settings.issuer
        self._verified: dict[str, tuple[object, dict, dict]] = {}
        self._signers: dict[tuple[str, str | None], tuple[object, bytes, JWSAlgModel]] = {}

    def sign(self, claims: dict, alg: str, typ: str | None = None) -> str:
        """A compact JWS of ``claims`` with the active key for ``alg``.

        Why not ``jwt.encode`` each time: for a key and a header that never change it checks
        the header, guesses and checks the key and serializes the header again on every
        token: a quarter of the signing's cost (47 -> 36 us per ES256 token, 2-3 % of a
        client-credentials token's CPU; docs/benchmarks.md, "The token's signature").
        joserfc makes the header segment once per key and type, and its
        algorithm signs; here only the payload is serialized, exactly as ``jwt.encode``
        does (compact JSON, UTF-8, unpadded base64url)."""
        kid, key = self.keyring.signing_key(alg)
        signer = self._signers.get((kid, typ))
        if signer is None or signer[0] is not key:
            header = {"alg": alg, "kid": kid}
            if typ:
                header["typ"] = typ
            first = jwt.encode(header, {}, key, algorithms=[alg]).split(".", 1)[0]
            signer = (key, first.encode("ascii") + b".", JWSRegistry.algorithms[alg])
            self._signers[(kid, typ)] = signer
        _, head, algorithm = signer
        payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        signing_input = head + _b64(payload)
        signature = algorithm.sign(signing_input, key)
        return (signing_input + b"." + _b64(signature)).decode("ascii")

    def access_token(
        self,
        *,
        client_id: str,
        sub: str,
        audience: str | list[str],
        scope: str,
        alg: str,
        org: dict | None = None,
        roles: list[str] | None = None,
        auth_time: float | None = None,
        acr: str | None = None,
        sid: str | None = None,
        grant_id: str | None = None,
    ) -> tuple[str, dict]:
        """An RFC 9068 token; ``grant_id`` names the grant it belongs to (none for a service's
        own token), so that revoking the grant revokes it."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": sub,
            "aud": audience,
            "exp": now + self.settings.oauth_access_token_minutes * 60,
            "iat": now,
            "nbf": now,
            "jti": uuid.uuid4().hex,
            "client_id": client_id,
            "scope": scope,
        }
        if org:
            claims["org"] = org
        if roles is not None:
            claims["roles"] = roles
        if auth_time:
            claims["auth_time"] = int(auth_time)
        if acr:
            claims["acr"] = acr
        if sid:
            claims["sid"] = sid
        if grant_id:
            claims["grant_id"] = grant_id
        return self.sign(claims, alg, ACCESS_TOKEN_TYP), claims

    def logout_token(self, *, client_id: str, sub: str, sid: str, alg: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": client_id,
            "iat": now,
            "exp": now + 120,
            "jti": uuid.uuid4().hex,
            "sub": sub,
            "sid": sid,
            "events": {BACKCHANNEL_EVENT: {}},
        }
        return self.sign(claims, alg, LOGOUT_TOKEN_TYP)

    def verify(self, token: str, *, typ: str | None = None, allow_expired: bool = False) -> dict:
        """Claims of a token this issuer signed with a published key, else BadToken."""
        return self._verify(token, typ=typ, allow_expired=allow_expired)[1]

    def verify_id_token(self, token: str) -> dict:
        """Claims of an ID token we issued (for ``id_token_hint``; may be expired), else BadToken.

        Access and logout tokens are signed with the same keys and may carry the same ``sid``;
        an access token handed to the logout endpoint must not end a session silently, so
        those types, and tokens without the claims every ID token has, are refused.
        """
        header, claims = self._verify(token, typ=None, allow_expired=True)
        typ = str(header.get("typ", "")).lower().removeprefix("application/")
        if typ in (ACCESS_TOKEN_TYP, LOGOUT_TOKEN_TYP) or (typ and typ != "jwt"):
            raise BadToken("not an ID token")
        if "client_id" in claims or "events" in claims or "scope" in claims:
            raise BadToken("not an ID token")
        if not all(claims.get(name) for name in ("sub", "aud", "iat")):
            raise BadToken("not an ID token")
        return claims

    def _verify(self, token, *, typ: str | None, allow_expired: bool) -> tuple[dict, dict]:
        if not token or not isinstance(token, str) or token.count(".") != 2:
            raise BadToken("not a JWT")
        header, claims = self._decoded(token)
        if typ and header.get("typ", "").lower() not in (typ, "application/" + typ):
            raise BadToken("wrong token type")
        if claims.get("iss") != self.issuer:
            raise BadToken("wrong issuer")
        exp = claims.get("exp")
        if not isinstance(exp, int | float):
            raise BadToken("no expiry")
        if not allow_expired and exp <= time.time():
            raise BadToken("expired")
        return header, claims

    def _decoded(self, token: str) -> tuple[dict, dict]:
        """The header and claims of a token whose signature a published key verifies.

        A resource server introspects the same token for every call it serves, so the
        signature check, a quarter of an introspection's CPU, is remembered per token for
        as long as the published keys stay the same (a key withdrawn from the set makes
        every token checked before it checked again). Only successes are remembered;
        everything that depends on the time or the caller (type, issuer, expiry) is checked
        on every call. Copies go out, so no caller changes what is remembered."""
        keyset = self.keyring.public_keyset()
        known = self._verified.get(token)
        if known is not None and known[0] is keyset:
            return dict(known[1]), dict(known[2])
        try:
            decoded = jwt.decode(token, keyset, algorithms=SIGNING_ALGS)
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise BadToken(f"signature check failed: {exc}") from None
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (keyset, dict(decoded.header), dict(decoded.claims))
        return decoded.header, decoded.claims
