"""Every grant and the refusals the issue names, over HTTP with Authlib's client."""

from __future__ import annotations

import secrets
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwk

from idp.accounts.passwords import hash_password
from idp.common.clock import utcnow
from idp.extensions import db
from idp.oauth.models import RefreshToken
from idp.orgs.models import Membership
from tests.factories import add_member, make_org, make_user
from tests.http.oauth.conftest import browser_for

REDIRECT = "https://rp.example/cb"
SCOPE = "openid profile email organization"


def params_of(location):
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def code_for(
    live, browser, client_id, *, verifier=None, pkce=True, redirect=REDIRECT, scope=SCOPE, **extra
):
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect,
        "scope": scope,
        "state": "st-1",
        "nonce": "n-1",
        **extra,
    }
    if pkce:
        from authlib.oauth2.rfc7636 import create_s256_code_challenge

        query["code_challenge"] = create_s256_code_challenge(verifier)
        query["code_challenge_method"] = "S256"
    return browser.get(live.url + "/oauth/authorize", params=query, allow_redirects=False)


def exchange(live, client_id, secret, code, verifier, redirect=REDIRECT):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
    if verifier:
        data["code_verifier"] = verifier
    auth = (client_id, secret) if secret else None
    if not secret:
        data["client_id"] = client_id
    return requests.post(live.url + "/oauth/token", data=data, auth=auth)


@pytest.fixture
def setup(live, clients):
    org = make_org()
    user = make_user("bob")
    add_member(user, org, "front_desk")
    web = clients.add(name="Web", client_id="web", redirect_uris=[REDIRECT], first_party=True)
    spa = clients.add(
        name="SPA", client_id="spa", auth_method="none", redirect_uris=[REDIRECT], first_party=True
    )
    return {
        "org": org,
        "user": user,
        "secret": web.secret,
        "spa": spa,
        "browser": browser_for(live, user),
    }


def full_login(live, setup):
    verifier = secrets.token_urlsafe(48)
    response = code_for(live, setup["browser"], "web", verifier=verifier)
    code = params_of(response.headers["Location"])["code"]
    token = exchange(live, "web", setup["secret"], code, verifier)
    assert token.status_code == 200, token.text
    return token.json()


def refresh(live, setup, refresh_token, **extra):
    return requests.post(
        live.url + "/oauth/token",
        auth=("web", setup["secret"]),
        data={"grant_type": "refresh_token", "refresh_token": refresh_token, **extra},
    )


def test_code_reuse_is_refused_and_revokes_what_the_code_gave(live, setup):
    verifier = secrets.token_urlsafe(48)
    response = code_for(live, setup["browser"], "web", verifier=verifier)
    code = params_of(response.headers["Location"])["code"]
    first = exchange(live, "web", setup["secret"], code, verifier)
    assert first.status_code == 200
    again = exchange(live, "web", setup["secret"], code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert refresh(live, setup, first.json()["refresh_token"]).status_code == 400


def test_wrong_code_verifier_is_invalid_grant(live, setup):
    verifier = secrets.token_urlsafe(48)
    response = code_for(live, setup["browser"], "web", verifier=verifier)
    code = params_of(response.headers["Location"])["code"]
    bad = exchange(live, "web", setup["secret"], code, secrets.token_urlsafe(48))
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"


def test_missing_pkce_on_public_client_goes_back_as_an_error(live, setup):
    response = code_for(live, setup["browser"], "spa", pkce=False)
    assert response.status_code == 302
    params = params_of(response.headers["Location"])
    assert params["error"] == "invalid_request" and "code" not in params
    assert params["state"] == "st-1" and params["iss"] == live.url


def test_pkce_is_on_by_default_for_confidential_clients_too(live, setup, clients):
    response = code_for(live, setup["browser"], "web", pkce=False)
    params = params_of(response.headers["Location"])
    assert params["error"] == "invalid_request" and "code" not in params
    clients.add(
        name="Legacy",
        client_id="legacy",
        redirect_uris=[REDIRECT],
        first_party=True,
        require_pkce=False,
    )
    opted_out = code_for(live, setup["browser"], "legacy", pkce=False)
    assert "code" in params_of(opted_out.headers["Location"])


def test_no_pkce_downgrade_either_way(live, setup, clients):
    """RFC 9700 §4.8.2: a code issued without a challenge is not redeemed with a verifier
    (an attacker's injected code would otherwise pass as a PKCE one), and a code issued with
    a challenge is not redeemed without its verifier."""
    registered = clients.add(
        name="Legacy",
        client_id="legacy",
        redirect_uris=[REDIRECT],
        first_party=True,
        require_pkce=False,
    )
    verifier = secrets.token_urlsafe(48)

    def code(**pkce) -> str:
        response = code_for(live, setup["browser"], "legacy", verifier=verifier, **pkce)
        return params_of(response.headers["Location"])["code"]

    with_verifier = exchange(live, "legacy", registered.secret, code(pkce=False), verifier)
    assert with_verifier.status_code == 400, with_verifier.text
    assert with_verifier.json()["error"] in ("invalid_grant", "invalid_request")
    without = exchange(live, "legacy", registered.secret, code(pkce=True), None)
    assert without.status_code == 400 and without.json()["error"] == "invalid_request"
    plain = exchange(live, "legacy", registered.secret, code(pkce=False), None)
    assert plain.status_code == 200, plain.text  # the same client's own way still works


def test_plain_pkce_method_is_refused(live, setup):
    response = setup["browser"].get(
        live.url + "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": "spa",
            "redirect_uri": REDIRECT,
            "scope": "openid",
            "code_challenge": "a" * 43,
            "code_challenge_method": "plain",
        },
        allow_redirects=False,
    )
    assert params_of(response.headers["Location"])["error"] == "invalid_request"


def test_public_client_token_request_without_verifier_is_refused(live, setup):
    verifier = secrets.token_urlsafe(48)
    response = code_for(live, setup["browser"], "spa", verifier=verifier)
    code = params_of(response.headers["Location"])["code"]
    bad = exchange(live, "spa", None, code, None)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"


def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(live, setup):
    response = code_for(
        live, setup["browser"], "web", verifier="x" * 43, redirect="https://evil.example/cb"
    )
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "text/html" in response.headers["Content-Type"]
    unknown = code_for(live, setup["browser"], "nobody", verifier="x" * 43)
    assert unknown.status_code == 400 and "Location" not in unknown.headers
    # Matching is exact: no prefix, trailing slash, extra query, case or port variations.
    for near_miss in (
        REDIRECT + "/",
        REDIRECT + "?next=https://evil.example/",
        REDIRECT.upper(),
        "https://rp.example:443/cb",
        "https://rp.example/cb/../cb",
        "http://rp.example/cb",
    ):
        response = code_for(live, setup["browser"], "web", verifier="x" * 43, redirect=near_miss)
        assert response.status_code == 400 and "Location" not in response.headers, near_miss


def test_a_native_app_gets_its_code_on_the_loopback_port_it_picked(live, setup, clients):
    """RFC 8252 §7.3: registered without a port, the app names the one it listens on; the
    code goes there, and the token request must name the same URI (RFC 6749 §4.1.3)."""
    clients.add(
        name="Desktop",
        client_id="desktop",
        auth_method="none",
        redirect_uris=["http://127.0.0.1/callback"],
        first_party=True,
    )
    verifier = secrets.token_urlsafe(48)
    picked = "http://127.0.0.1:53127/callback"
    response = code_for(live, setup["browser"], "desktop", verifier=verifier, redirect=picked)
    assert response.status_code == 302, response.text[:300]
    location = response.headers["Location"]
    assert location.startswith(picked + "?")
    code = params_of(location)["code"]
    other_port = exchange(
        live, "desktop", None, code, verifier, redirect="http://127.0.0.1:53128/callback"
    )
    assert other_port.status_code == 400 and other_port.json()["error"] == "invalid_grant"

    response = code_for(live, setup["browser"], "desktop", verifier=verifier, redirect=picked)
    token = exchange(
        live,
        "desktop",
        None,
        params_of(response.headers["Location"])["code"],
        verifier,
        redirect=picked,
    )
    assert token.status_code == 200, token.text
    elsewhere = code_for(
        live,
        setup["browser"],
        "desktop",
        verifier=verifier,
        redirect="http://127.0.0.1:53127/callback/../evil",
    )
    assert elsewhere.status_code == 400 and "Location" not in elsewhere.headers


def test_implicit_and_password_grants_are_not_offered(live, setup):
    implicit = setup["browser"].get(
        live.url + "/oauth/authorize",
        params={"response_type": "token", "client_id": "web", "redirect_uri": REDIRECT},
        allow_redirects=False,
    )
    assert "access_token" not in implicit.headers.get("Location", "")
    password = requests.post(
        live.url + "/oauth/token",
        auth=("web", setup["secret"]),
        data={"grant_type": "password", "username": "bob", "password": "x"},
    )
    assert password.status_code == 400
    assert password.json()["error"] == "unsupported_grant_type"


def test_wrong_client_secret_is_401_invalid_client(live, setup):
    response = requests.post(
        live.url + "/oauth/token",
        auth=("web", "wrong"),
        data={"grant_type": "authorization_code", "code": "x", "redirect_uri": REDIRECT},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_garbage_at_the_token_endpoint_is_a_json_4xx(live, setup):
    for data in ({}, {"grant_type": "refresh_token"}, {"grant_type": "x" * 5000}):
        response = requests.post(
            live.url + "/oauth/token", data=data, auth=("web", setup["secret"])
        )
        assert 400 <= response.status_code < 500, response.text
        assert "error" in response.json()


def test_refresh_reuse_revokes_the_whole_family(live, setup):
    token = full_login(live, setup)
    first = refresh(live, setup, token["refresh_token"])
    assert first.status_code == 200
    reuse = refresh(live, setup, token["refresh_token"])
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    # The token handed out by the legitimate rotation is dead as well.
    assert refresh(live, setup, first.json()["refresh_token"]).status_code == 400


def test_refresh_ends_when_membership_ends_or_password_changes(live, setup):
    token = full_login(live, setup)
    db.session.execute(db.delete(Membership).where(Membership.user_id == setup["user"].id))
    db.session.commit()
    ended = refresh(live, setup, token["refresh_token"])
    assert ended.status_code == 400 and "membership" in ended.json()["error_description"]

    add_member(setup["user"], setup["org"], "billing")
    token = full_login(live, setup)
    rotated = refresh(live, setup, token["refresh_token"])
    assert "claims" not in rotated.json()["scope"]  # scope follows the current role
    setup["user"].password_hash = hash_password("another password entirely")
    setup["user"].password_changed_at = utcnow()
    db.session.commit()
    changed = refresh(live, setup, rotated.json()["refresh_token"])
    assert changed.status_code == 400 and "password" in changed.json()["error_description"]


def test_refresh_ends_when_the_user_is_disabled(live, setup):
    token = full_login(live, setup)
    setup["user"].status = "disabled"
    db.session.commit()
    assert refresh(live, setup, token["refresh_token"]).status_code == 400


def test_office_switch_on_refresh_rechecks_membership(live, setup):
    other = make_org()
    add_member(setup["user"], other, "billing")
    token = full_login(live, setup)
    switched = refresh(live, setup, token["refresh_token"], organization=other.id)
    assert switched.status_code == 200, switched.text
    info = requests.get(
        live.url + "/oauth/userinfo",
        headers={"Authorization": "Bearer " + switched.json()["access_token"]},
    )
    assert info.json()["organization"]["id"] == other.id
    assert info.json()["organization"]["roles"] == ["billing"]
    assert len(info.json()["memberships"]) == 2
    stranger = make_org()
    refused = refresh(live, setup, switched.json()["refresh_token"], organization=stranger.id)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    # Refusing the switch does not cost the client its grant.
    assert refresh(live, setup, switched.json()["refresh_token"]).status_code == 200


def test_refresh_family_has_a_bounded_lifetime(live, setup):
    token = full_login(live, setup)
    row = db.session.scalar(db.select(RefreshToken).where(RefreshToken.rotated_at.is_(None)))
    assert (
        row.expires_at.replace(tzinfo=None) - row.family_started_at.replace(tzinfo=None)
    ).days == 14
    row.expires_at = utcnow()
    db.session.commit()
    assert refresh(live, setup, token["refresh_token"]).status_code == 400


def _service(clients, **extra):
    return clients.add(
        name="Eligibility service",
        client_id="eligibility-svc",
        grant_types=["client_credentials"],
        scopes=["claims"],
        default_audience="https://claims.example/api",
        **extra,
    )


def test_client_credentials_basic_and_post(live, clients, setup):
    reg = _service(clients)
    rp = OAuth2Session("eligibility-svc", reg.secret)
    token = rp.fetch_token(live.url + "/oauth/token", grant_type="client_credentials")
    assert token["scope"] == "claims" and "refresh_token" not in token
    post = OAuth2Session(
        "eligibility-svc", reg.secret, token_endpoint_auth_method="client_secret_post"
    )
    assert post.fetch_token(live.url + "/oauth/token", grant_type="client_credentials")
    wrong_target = requests.post(
        live.url + "/oauth/token",
        auth=("eligibility-svc", reg.secret),
        data={"grant_type": "client_credentials", "resource": "https://other.example/"},
    )
    assert wrong_target.status_code == 400
    assert wrong_target.json()["error"] == "invalid_target"


def test_a_service_gets_only_the_scopes_registered_for_it(live, clients, setup):
    """Its scopes are permissions (the admin API's ``admin.*``): asking for more is
    ``invalid_scope``, never a token that carries them."""
    reg = _service(clients)

    def ask(scope: str):
        return requests.post(
            live.url + "/oauth/token",
            auth=("eligibility-svc", reg.secret),
            data={"grant_type": "client_credentials", "scope": scope},
        )

    assert ask("claims").json()["scope"] == "claims"
    # Identity scopes mean nothing for a service and are left out, as before.
    assert ask("openid claims").json()["scope"] == "claims"
    # A scope that cannot be named in error_description (RFC 6749 §5.2) is refused all
    # the same, with a description that does not repeat it.
    for scope in ("admin.users.manage", "claims admin.users.manage", "bogus", "\x1b", "০"):
        refused = ask(scope)
        assert refused.status_code == 400, (scope, refused.text)
        assert refused.json()["error"] == "invalid_scope"
        assert "access_token" not in refused.json()


def test_rotated_secret_and_disabled_client_are_refused_at_once(live, clients, setup):
    token = full_login(live, setup)
    new = clients.rotate_secret("web").secret
    old = refresh(live, setup, token["refresh_token"])  # the old secret, read from the cache
    assert old.status_code == 401 and old.json()["error"] == "invalid_client"
    rotated = requests.post(
        live.url + "/oauth/token",
        auth=("web", new),
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
    )
    assert rotated.status_code == 200, rotated.text
    clients.set_disabled("web")
    refused = requests.post(
        live.url + "/oauth/token",
        auth=("web", new),
        data={"grant_type": "refresh_token", "refresh_token": rotated.json()["refresh_token"]},
    )
    assert refused.status_code in (400, 401) and "access_token" not in refused.json()
    authorize = code_for(live, setup["browser"], "web", verifier="x" * 43)
    assert authorize.status_code == 400 and "Location" not in authorize.headers


def _short_exp() -> dict:
    """Authlib's client signs assertions valid for an hour; we accept at most five minutes."""
    return {"exp": int(time.time()) + 120}


def test_private_key_jwt_client_authentication(live, clients, setup):
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = jwk.import_key(pem, "EC").as_dict(private=False)
    clients.add(
        name="Batch",
        client_id="batch",
        auth_method="private_key_jwt",
        grant_types=["client_credentials"],
        scopes=["claims"],
        jwks={"keys": [public]},
    )
    rp = OAuth2Session(
        "batch",
        jwk.import_key(pem, "EC"),
        token_endpoint_auth_method=PrivateKeyJWT(
            live.url + "/oauth/token", alg="ES256", claims=_short_exp()
        ),
    )
    token = rp.fetch_token(live.url + "/oauth/token", grant_type="client_credentials")
    assert token["access_token"]
    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    impostor = OAuth2Session(
        "batch",
        jwk.import_key(other, "EC"),
        token_endpoint_auth_method=PrivateKeyJWT(
            live.url + "/oauth/token", alg="ES256", claims=_short_exp()
        ),
    )
    with pytest.raises(Exception, match="invalid_client"):
        impostor.fetch_token(live.url + "/oauth/token", grant_type="client_credentials")


def test_a_private_key_jwt_assertion_works_once(live, clients, setup):
    from joserfc import jwt

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key = jwk.import_key(pem, "EC")
    clients.add(
        name="Batch",
        client_id="batch",
        auth_method="private_key_jwt",
        grant_types=["client_credentials"],
        scopes=["claims"],
        jwks={"keys": [key.as_dict(private=False)]},
    )
    now = int(time.time())
    claims = {"iss": "batch", "sub": "batch", "aud": live.url + "/oauth/token"}
    claims.update(jti=secrets.token_urlsafe(16), iat=now, exp=now + 60)
    assertion = jwt.encode({"alg": "ES256"}, claims, key)
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
    first = requests.post(live.url + "/oauth/token", data=data)
    assert first.status_code == 200, first.text
    replay = requests.post(live.url + "/oauth/token", data=data)
    # RFC 6749 5.2: 401 is required only when the client used the Authorization header.
    assert replay.status_code in (400, 401) and replay.json()["error"] == "invalid_client"
    other_aud = jwt.encode({"alg": "ES256"}, {**claims, "jti": "j2", "aud": "https://x"}, key)
    wrong = requests.post(live.url + "/oauth/token", data={**data, "client_assertion": other_aud})
    assert wrong.status_code in (400, 401) and wrong.json()["error"] == "invalid_client"
    # An assertion valid for far longer than one request is refused (a leaked one would be
    # a lasting credential); one expiring within five minutes is fine.
    long_lived = jwt.encode({"alg": "ES256"}, {**claims, "jti": "j3", "exp": now + 3600}, key)
    far = requests.post(live.url + "/oauth/token", data={**data, "client_assertion": long_lived})
    assert far.status_code in (400, 401) and far.json()["error"] == "invalid_client"
    short = jwt.encode({"alg": "ES256"}, {**claims, "jti": "j4", "exp": now + 290}, key)
    ok = requests.post(live.url + "/oauth/token", data={**data, "client_assertion": short})
    assert ok.status_code == 200, ok.text


def test_introspection_and_revocation_need_client_auth(live, clients, setup):
    token = full_login(live, setup)
    url = live.url + "/oauth/introspect"
    assert requests.post(url, data={"token": token["access_token"]}).status_code == 401
    active = requests.post(
        url, auth=("web", setup["secret"]), data={"token": token["access_token"]}
    ).json()
    assert active["active"] is True and active["sub"] == setup["user"].id
    assert (
        requests.post(
            url, auth=("web", setup["secret"]), data={"token": token["refresh_token"]}
        ).json()["active"]
        is True
    )
    assert (
        requests.post(live.url + "/oauth/revoke", data={"token": token["access_token"]}).status_code
        == 401
    )
    for kind in ("access_token", "refresh_token"):
        revoked = requests.post(
            live.url + "/oauth/revoke", auth=("web", setup["secret"]), data={"token": token[kind]}
        )
        assert revoked.status_code == 200
        after = requests.post(url, auth=("web", setup["secret"]), data={"token": token[kind]})
        assert after.json() == {"active": False}
    assert refresh(live, setup, token["refresh_token"]).status_code == 400
    info = requests.get(
        live.url + "/oauth/userinfo", headers={"Authorization": "Bearer " + token["access_token"]}
    )
    assert info.status_code == 401


def test_another_client_can_neither_introspect_nor_revoke_a_token(live, clients, setup):
    token = full_login(live, setup)
    other = clients.add(name="Other", client_id="other", redirect_uris=[REDIRECT])
    url = live.url + "/oauth/introspect"
    for kind in ("access_token", "refresh_token"):
        seen = requests.post(url, auth=("other", other.secret), data={"token": token[kind]})
        assert seen.status_code == 200 and seen.json() == {"active": False}
        refused = requests.post(
            live.url + "/oauth/revoke", auth=("other", other.secret), data={"token": token[kind]}
        )
        assert refused.status_code == 400
        still = requests.post(url, auth=("web", setup["secret"]), data={"token": token[kind]})
        assert still.json()["active"] is True


def test_expired_access_token_is_inactive(live, clients, setup, monkeypatch):
    token = full_login(live, setup)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 6 * 60)
    result = requests.post(
        live.url + "/oauth/introspect",
        auth=("web", setup["secret"]),
        data={"token": token["access_token"]},
    )
    assert result.json() == {"active": False}


def test_concurrent_use_of_one_refresh_token_lets_only_one_through(live, setup):
    from concurrent.futures import ThreadPoolExecutor

    token = full_login(live, setup)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: refresh(live, setup, token["refresh_token"]), range(4)))
    assert [r.status_code for r in results].count(200) == 1
    # Whoever lost revoked the family: no token from this sign-in works any more.
    for r in results:
        if r.status_code == 200:
            assert refresh(live, setup, r.json()["refresh_token"]).status_code == 400


def test_token_exchange_switches_office_with_authlib_client(live, clients, setup):
    from idp.oauth.grant_types.token_exchange import ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE

    clients.update("web", grant_types=["authorization_code", "refresh_token", TOKEN_EXCHANGE])
    other = make_org()
    add_member(setup["user"], other, "billing")
    token = full_login(live, setup)
    rp = OAuth2Session("web", setup["secret"])
    exchanged = rp.fetch_token(
        live.url + "/oauth/token",
        grant_type=TOKEN_EXCHANGE,
        subject_token=token["access_token"],
        subject_token_type=ACCESS_TOKEN_TYPE,
        organization=other.id,
    )
    assert exchanged["issued_token_type"] == ACCESS_TOKEN_TYPE
    assert "refresh_token" not in exchanged
    info = requests.post(
        live.url + "/oauth/introspect",
        auth=("web", setup["secret"]),
        data={"token": exchanged["access_token"]},
    ).json()
    assert info["org"]["id"] == other.id and info["roles"] == ["billing"]
    assert info["sub"] == setup["user"].id

    def exchange_for(org_id, subject=token["access_token"], auth=("web", setup["secret"])):
        return requests.post(
            live.url + "/oauth/token",
            auth=auth,
            data={
                "grant_type": TOKEN_EXCHANGE,
                "subject_token": subject,
                "subject_token_type": ACCESS_TOKEN_TYPE,
                "organization": org_id,
            },
        )

    stranger = make_org()
    refused = exchange_for(stranger.id)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    # A service token (no person) or a token of another client cannot be exchanged.
    svc = _service(clients)
    svc_token = OAuth2Session("eligibility-svc", svc.secret).fetch_token(
        live.url + "/oauth/token", grant_type="client_credentials"
    )["access_token"]
    assert exchange_for(other.id, subject=svc_token).status_code == 400
    # The grant type must be registered for the client.
    clients.update("web", grant_types=["authorization_code", "refresh_token"])
    assert exchange_for(other.id).json()["error"] == "unauthorized_client"
    clients.update("web", grant_types=["authorization_code", "refresh_token", TOKEN_EXCHANGE])
    assert exchange_for(other.id).status_code == 200
    from datetime import timedelta

    setup["user"].password_changed_at = utcnow() + timedelta(seconds=5)
    db.session.commit()
    changed = exchange_for(other.id)
    assert changed.status_code == 400 and "password" in changed.json()["error_description"]
