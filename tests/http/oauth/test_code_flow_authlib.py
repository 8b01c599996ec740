"""Authorization code + PKCE, refresh, userinfo over HTTP with Authlib's own client."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwk, jwt

from tests.factories import add_member, make_org, make_user
from tests.http.oauth.conftest import browser_for

REDIRECT = "https://rp.example/cb"


def _authorize(
    live, browser, client_id, secret=None, scope="openid profile email organization", **extra
):
    rp = OAuth2Session(
        client_id, secret, scope=scope, redirect_uri=REDIRECT, code_challenge_method="S256"
    )
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = rp.create_authorization_url(
        live.url + "/oauth/authorize", code_verifier=verifier, nonce=nonce, **extra
    )
    response = browser.get(url, allow_redirects=False)
    return rp, response, verifier, nonce, state


def _params(location):
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_confidential_client_code_flow_refresh_and_userinfo(live, clients):
    org = make_org()
    user = make_user("alice")
    add_member(user, org, "billing")
    reg = clients.add(
        name="Billing app",
        client_id="billing-web",
        redirect_uris=[REDIRECT],
        first_party=True,
        scopes=["openid", "profile", "email", "organization", "claims"],
    )
    browser = browser_for(live, user)
    rp, response, verifier, nonce, state = _authorize(
        live,
        browser,
        "billing-web",
        reg.secret,
        scope="openid profile email organization claims",
    )
    assert response.status_code == 302, response.text
    params = _params(response.headers["Location"])
    assert params["state"] == state
    assert params["iss"] == live.url
    token = rp.fetch_token(
        live.url + "/oauth/token",
        authorization_response=response.headers["Location"],
        code_verifier=verifier,
    )
    assert token["token_type"].lower() == "bearer"
    keys = jwk.KeySet.import_key_set(rp.get(live.url + "/oauth/jwks").json())
    id_token = jwt.decode(token["id_token"], keys, algorithms=["ES256"])
    claims = id_token.claims
    assert claims["iss"] == live.url and claims["aud"] == "billing-web"
    assert claims["sub"] == user.id and claims["nonce"] == nonce
    assert claims["amr"] == ["pwd"] and claims["sid"] == browser.sso.public_id
    for name in ("exp", "iat", "auth_time", "acr", "at_hash"):
        assert name in claims
    digest = hashlib.sha256(token["access_token"].encode("ascii")).digest()
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
    access = jwt.decode(token["access_token"], keys, algorithms=["ES256"])
    assert access.header["typ"] == "at+jwt"
    assert access.claims["org"]["id"] == org.id and access.claims["roles"] == ["billing"]
    assert set(access.claims["scope"].split()) == {
        "openid",
        "profile",
        "email",
        "organization",
        "claims",
    }
    info = rp.get(live.url + "/oauth/userinfo").json()
    assert info["email"] == user.email and info["email_verified"] is True
    assert info["organization"] == {
        "id": org.id,
        "name": org.legal_name,
        "npi": org.npi,
        "roles": ["billing"],
    }
    assert [m["id"] for m in info["memberships"]] == [org.id]

    refreshed = rp.refresh_token(live.url + "/oauth/token")
    assert refreshed["refresh_token"] != token["refresh_token"]


def test_authorization_and_grant_revocation_are_audited(live, clients):
    from idp.audit.service import events

    user = make_user("audited")
    reg = clients.add(name="Web", client_id="web-audit", redirect_uris=[REDIRECT], first_party=True)
    rp, response, verifier, _, _ = _authorize(
        live, browser_for(live, user), "web-audit", reg.secret
    )
    token = rp.fetch_token(
        live.url + "/oauth/token",
        authorization_response=response.headers["Location"],
        code_verifier=verifier,
    )
    assert [e.subject_id for e in events("oauth.authorized")] == [user.id]
    rp.refresh_token(live.url + "/oauth/token")
    reuse = rp.post(
        live.url + "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=("web-audit", reg.secret),
    )
    assert reuse.status_code == 400
    revoked = events("oauth.grant.revoked")
    assert len(revoked) == 1 and '"refresh_reuse"' in revoked[0].data
