"""A token's signature is checked once per process while the published keys stay the same;
the checks that depend on the time and the caller run on every call."""

from __future__ import annotations

import time

import pytest

from idp.oauth import tokens
from idp.oauth.context import keyring, minter
from idp.oauth.tokens import ACCESS_TOKEN_TYP, BadToken


@pytest.fixture
def decodes(app, monkeypatch):
    calls: list[str] = []
    real = tokens.jwt.decode

    def counted(token, *args, **kwargs):
        calls.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(tokens.jwt, "decode", counted)
    return calls


def issue(**claims) -> str:
    now = int(time.time())
    body = {"iss": minter().issuer, "sub": "u1", "exp": now + 300, "iat": now, **claims}
    return minter().sign(body, "ES256", ACCESS_TOKEN_TYP)


def test_a_token_checked_once_is_not_checked_again(decodes):
    token = issue(org={"id": "o1"})
    first = minter().verify(token, typ=ACCESS_TOKEN_TYP)
    first["sub"] = "someone else"
    second = minter().verify(token, typ=ACCESS_TOKEN_TYP)
    assert decodes == [token]
    assert second["sub"] == "u1" and second["org"] == {"id": "o1"}


def test_type_and_expiry_are_checked_on_every_call(decodes):
    token = issue(exp=int(time.time()) - 1)
    assert minter().verify(token, allow_expired=True)["sub"] == "u1"
    with pytest.raises(BadToken, match="expired"):
        minter().verify(token)
    with pytest.raises(BadToken, match="wrong token type"):
        minter().verify(token, typ="logout+jwt", allow_expired=True)
    assert decodes == [token]


def test_a_bad_signature_is_checked_every_time(decodes):
    token = issue()
    head, body, signature = token.split(".")
    forged = f"{head}.{body}.{signature[:-4]}AAAA"
    for _ in range(2):
        with pytest.raises(BadToken):
            minter().verify(forged)
    assert decodes == [forged, forged]


def test_a_withdrawn_key_s_tokens_are_refused_though_checked_before(decodes):
    token = issue()
    assert minter().verify(token)["sub"] == "u1"
    ring = keyring()
    kid = ring.active("ES256").kid
    ring.rotate("ES256")
    ring.drop(kid)
    time.sleep(0.05)  # the folder's stamp is how the ring sees a change
    with pytest.raises(BadToken):
        minter().verify(token)
