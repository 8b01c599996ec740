"""Token verification without calling the idp for each request.

The issuer's JWKS is fetched once and cached; a token with a key id the cache does not
know triggers one refetch, at most every ``min_refetch_seconds`` (so a flood of forged kids
cannot turn into a flood of JWKS requests). Only asymmetric algorithms are accepted: a token
with ``alg=none`` or an HMAC algorithm (HS256, signed with a public key as the "secret") is
refused before any key is looked at.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import cast

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization

ALLOWED_ALGS = ("ES256", "RS256")


class InvalidToken(Exception):
    """The token cannot be trusted (signature, type, issuer, audience, time)."""


def json_request(request: urllib.request.Request, timeout: float) -> dict:
    """The JSON body of the idp's answer (urllib: no dependency for downstream services)."""
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return json.loads(response.read())


def _fetch_json(url: str, timeout: float = 5.0) -> dict:
    return json_request(
        urllib.request.Request(url, headers={"Accept": "application/json"}),  # noqa: S310
        timeout,
    )


class TokenVerifier:
    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        jwks_uri: str | None = None,
        algorithms: tuple[str, ...] = ALLOWED_ALGS,
        leeway: int = 30,
        cache_seconds: float = 300,
        min_refetch_seconds: float = 30,
        fetch: Callable[[str], dict] = _fetch_json,
        clock: Callable[[], float] = time.time,
    ):
        bad = [a for a in algorithms if a not in ALLOWED_ALGS]
        if bad:
            raise ValueError(f"algorithms must be among {ALLOWED_ALGS}, not {bad}")
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.jwks_uri = jwks_uri or f"{self.issuer}/oauth/jwks"
        self.algorithms = tuple(algorithms)
        self.leeway = leeway
        self.cache_seconds = cache_seconds
        self.min_refetch_seconds = min_refetch_seconds
        self.fetch = fetch
        self.clock = clock
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()
        self.fetch_count = 0

    def _refetch(self) -> None:
        data = self.fetch(self.jwks_uri)
        self._keys = KeySet.import_key_set(cast(KeySetSerialization, data))
        self._fetched_at = self.clock()
        self.fetch_count += 1

    def _key_for(self, kid: str):
        with self._lock:
            now = self.clock()
            if self._keys is None or now - self._fetched_at > self.cache_seconds:
                self._refetch()
            key = self._find(kid)
            if key is None and now - self._fetched_at >= self.min_refetch_seconds:
                self._refetch()
                key = self._find(kid)
            return key

    def _find(self, kid: str):
        for key in self._keys.keys if self._keys else []:
            if key.kid == kid:
                return key
        return None

    def verify(self, token: str) -> dict:
        """The token's claims, or InvalidToken saying why not."""
        if not token or token.count(".") != 2:
            raise InvalidToken("not a JWT")
        try:
            header = jws.extract_compact(token.encode()).headers()
        except (JoseError, ValueError):
            raise InvalidToken("malformed token") from None
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise InvalidToken(f"algorithm {alg!r} is not accepted")
        if str(header.get("typ", "")).lower() not in ("at+jwt", "application/at+jwt"):
            raise InvalidToken("not an access token (typ must be at+jwt)")
        kid = header.get("kid")
        if not kid:
            raise InvalidToken("no key id")
        key = self._key_for(kid)
        if key is None:
            raise InvalidToken("signed with an unknown key")
        try:
            claims = jwt.decode(token, key, algorithms=[alg]).claims
        except (JoseError, ValueError):
            raise InvalidToken("bad signature") from None
        self._check_claims(claims)
        return claims

    def _check_claims(self, claims: dict) -> None:
        now = self.clock()
        if claims.get("iss") != self.issuer:
            raise InvalidToken("wrong issuer")
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if self.audience not in audiences:
            raise InvalidToken("token is not meant for this service (audience)")
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp + self.leeway <= now:
            raise InvalidToken("token expired")
        nbf = claims.get("nbf", claims.get("iat"))
        if isinstance(nbf, int | float) and nbf - self.leeway > now:
            raise InvalidToken("token not valid yet")
        for name in ("sub", "client_id", "jti", "iat"):
            if name not in claims:
                raise InvalidToken(f"token lacks {name}")
