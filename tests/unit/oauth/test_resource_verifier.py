"""The resource-server verifier without HTTP: keys from a key ring, a counting fetch."""

from __future__ import annotations

import time

import pytest
from joserfc import jwt

from idp.jwk.keyring import KeyRing
from idp.resource import InvalidToken, TokenVerifier

ISS = "https://idp.example"
AUD = "https://claims.example/api"


def _token(ring, alg="ES256", **overrides):
    kid, key = ring.signing_key(alg)
    now = int(time.time())
    claims = {
        "iss": ISS,
        "aud": AUD,
        "sub": "u1",
        "client_id": "c",
        "jti": "j",
        "iat": now,
        "exp": now + 300,
        "scope": "claims",
        **overrides,
    }
    return jwt.encode({"alg": alg, "kid": kid, "typ": "at+jwt"}, claims, key, algorithms=[alg])


@pytest.fixture
def ring(tmp_path):
    ring = KeyRing(tmp_path / "keys")
    ring.ensure_active("ES256")
    return ring


def make_verifier(ring, clock=time.time):
    calls = []

    def fetch(url):
        calls.append(url)
        return ring.jwks()

    verifier = TokenVerifier(ISS, AUD, fetch=fetch, min_refetch_seconds=30, clock=clock)
    return verifier, calls


def test_valid_token_and_claim_checks(ring):
    verifier, calls = make_verifier(ring)
    assert verifier.verify(_token(ring))["sub"] == "u1"
    for bad in (
        {"iss": "https://other"},
        {"aud": "https://other"},
        {"exp": int(time.time()) - 120},
    ):
        with pytest.raises(InvalidToken):
            verifier.verify(_token(ring, **bad))
    assert len(calls) == 1


def test_rs256_and_wrong_typ(ring):
    ring.ensure_active("RS256")
    verifier, _ = make_verifier(ring)
    assert verifier.verify(_token(ring, "RS256"))
    kid, key = ring.signing_key("ES256")
    id_like = jwt.encode({"alg": "ES256", "kid": kid}, {"iss": ISS}, key, algorithms=["ES256"])
    with pytest.raises(InvalidToken, match="typ"):
        verifier.verify(id_like)


def test_unknown_kid_refetches_at_most_once_per_interval(ring, tmp_path):
    now = [time.time()]
    verifier, calls = make_verifier(ring, clock=lambda: now[0])
    verifier.verify(_token(ring))
    stranger = KeyRing(tmp_path / "other")
    stranger.ensure_active()
    forged = _token(stranger)
    for _ in range(5):
        with pytest.raises(InvalidToken, match="unknown key"):
            verifier.verify(forged)
    assert len(calls) == 1  # within 30 s of the last fetch: no refetch
    now[0] += 31
    with pytest.raises(InvalidToken):
        verifier.verify(forged)
    assert len(calls) == 2
    # A key rotated in since then is picked up on its first token after the interval.
    ring.rotate("ES256", 600)
    now[0] += 31
    assert verifier.verify(_token(ring))


def test_symmetric_or_none_algorithms_cannot_be_configured():
    with pytest.raises(ValueError):
        TokenVerifier(ISS, AUD, algorithms=("HS256",))


def test_introspector_answers_fail_closed():
    from idp.resource import IntrospectionUnavailable, Introspector

    sent = []

    def answering(answer):
        def post(url, form, headers, timeout):
            sent.append((url, form, headers["Authorization"]))
            if isinstance(answer, Exception):
                raise answer
            return answer

        return post

    def check(answer):
        return Introspector(ISS, "rs", "secret", post=answering(answer)).check("tok")

    assert check({"active": True, "sub": "u1"})["sub"] == "u1"
    assert sent[0][0] == ISS + "/oauth/introspect" and sent[0][1]["token"] == "tok"
    assert sent[0][2] == "Basic cnM6c2VjcmV0"
    with pytest.raises(InvalidToken):
        check({"active": False})
    for broken in ({}, {"active": "yes"}, ["active"], OSError("refused"), ValueError("json")):
        with pytest.raises(IntrospectionUnavailable):
            check(broken)
