"""The tokens this issuer signs are the JWS that joserfc's ``jwt.encode`` makes of the same
header and claims, with the header made once per key: byte for byte in header and payload,
checked by joserfc's own decoder, and signed with the new key as soon as one is active."""

from __future__ import annotations

import base64
import time

import pytest
from joserfc import jwt

from idp.oauth.context import keyring, minter
from idp.oauth.tokens import ACCESS_TOKEN_TYP, LOGOUT_TOKEN_TYP


def claims(**extra) -> dict:
    now = int(time.time())
    return {"iss": minter().issuer, "sub": "u1", "exp": now + 300, "iat": now, **extra}


def reference(body: dict, alg: str, typ: str | None) -> str:
    kid, key = keyring().signing_key(alg)
    header = {"alg": alg, "kid": kid}
    if typ:
        header["typ"] = typ
    return jwt.encode(header, body, key, algorithms=[alg])


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
@pytest.mark.parametrize("typ", [ACCESS_TOKEN_TYP, LOGOUT_TOKEN_TYP, None])
def test_header_and_payload_are_what_joserfc_makes(app, alg, typ):
    body = claims(org={"id": "o1", "name": "Clínica Saúde – Nord"}, roles=["front_desk"])
    ours = minter().sign(dict(body), alg, typ)
    theirs = reference(dict(body), alg, typ)
    assert ours.split(".")[:2] == theirs.split(".")[:2]
    decoded = jwt.decode(ours, keyring().public_keyset(), algorithms=[alg])
    assert decoded.claims == body
    assert decoded.header == {
        "typ": typ or "JWT",
        "alg": alg,
        "kid": keyring().signing_key(alg)[0],
    }


def test_each_signature_is_checked_by_joserfc_and_a_changed_payload_is_not(app):
    token = minter().sign(claims(), "ES256", ACCESS_TOKEN_TYP)
    head, _, signature = token.split(".")
    other = minter().sign(claims(sub="u2"), "ES256", ACCESS_TOKEN_TYP)
    forged = f"{head}.{other.split('.')[1]}.{signature}"
    keys = keyring().public_keyset()
    assert jwt.decode(token, keys, algorithms=["ES256"]).claims["sub"] == "u1"
    with pytest.raises(Exception, match="signature"):
        jwt.decode(forged, keys, algorithms=["ES256"])
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    assert len(raw) == 64  # r || s (RFC 7518 §3.4), not DER


def test_a_rotation_signs_with_the_new_key_at_once(app):
    before = minter().sign(claims(), "ES256", ACCESS_TOKEN_TYP)
    old_kid = jwt.decode(before, keyring().public_keyset(), algorithms=["ES256"]).header["kid"]
    keyring().rotate("ES256")
    after = minter().sign(claims(), "ES256", ACCESS_TOKEN_TYP)
    decoded = jwt.decode(after, keyring().public_keyset(), algorithms=["ES256"])
    assert decoded.header["kid"] == keyring().active("ES256").kid != old_kid
    assert minter().verify(after, typ=ACCESS_TOKEN_TYP)["sub"] == "u1"
