"""A finished sign-in answers the authorization request it was for with the code itself,
instead of redirecting back to /oauth/authorize (``idp.oauth.authorize.continue_after_sign_in``);
anything but a code (consent, an error, an outage) still goes back by the redirect."""

from __future__ import annotations

import base64
import html
import re
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwk, jwt
from redis.exceptions import ConnectionError as RedisConnectionError

from idp.audit.models import AuditEvent
from idp.extensions import db
from idp.login.current import store
from idp.oauth.clients import client_service
from tests.factories import PASSWORD, add_member, make_org, make_user
from tests.support.auth import login_as
from tests.support.signin import enroll_totp, post_login

REDIRECT = "https://claims.example/cb"


@pytest.fixture
def registry(app):
    return client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])


@pytest.fixture
def web(registry):
    return registry.add(
        name="Claims", client_id="claims", redirect_uris=[REDIRECT], first_party=True
    )


@pytest.fixture
def person():
    user = make_user("gina")
    add_member(user, make_org(), "front_desk")
    return user


def authorize_url(client_id: str, verifier: str, **extra: str) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "st-9",
        "nonce": "n-9",
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
        **extra,
    }
    return "/oauth/authorize?" + urlencode(query)


def to_sign_in(client, url: str) -> str:
    """The authorization request of a browser not signed in: the ``next`` it carries."""
    answer = client.get(url)
    assert answer.status_code == 302 and urlsplit(answer.headers["Location"]).path == "/login"
    return parse_qs(urlsplit(answer.headers["Location"]).query)["next"][0]


def params_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def redeem(client, web, code: str, verifier: str):
    pair = base64.b64encode(f"claims:{web.secret}".encode()).decode()
    return client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        headers={"Authorization": f"Basic {pair}"},
    )


def test_password_sign_in_answers_with_the_code(app, client, clock, web, person):
    verifier = secrets.token_urlsafe(48)
    next_url = to_sign_in(client, authorize_url("claims", verifier))
    answer = post_login(client, "gina", PASSWORD, next=next_url)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    params = params_of(location)
    assert params["state"] == "st-9" and params["iss"] == app.config["IDP_SETTINGS"].issuer
    session = store().get(client.get_cookie("idp_sid").value)
    assert session is not None and session.clients == ["claims"]
    token = redeem(client, web, params["code"], verifier)
    assert token.status_code == 200, token.data
    keys = jwk.KeySet.import_key_set(client.get("/oauth/jwks").json)
    claims = jwt.decode(token.json["id_token"], keys, algorithms=["ES256"]).claims
    assert claims["sub"] == person.id and claims["sid"] == session.public_id
    assert claims["nonce"] == "n-9"
    events = set(db.session.scalars(db.select(AuditEvent.event)))
    assert {"login.succeeded", "oauth.authorized", "oauth.token.issued"} <= events
    # The code answers once, as ever.
    assert redeem(client, web, params["code"], verifier).status_code == 400


def test_second_factor_answers_with_the_code(client, clock, web, person):
    totp, _ = enroll_totp(person, clock)
    verifier = secrets.token_urlsafe(48)
    next_url = to_sign_in(client, authorize_url("claims", verifier))
    assert (
        post_login(client, "gina", PASSWORD, next=next_url).headers["Location"] == "/login/verify"
    )
    answer = client.post("/login/verify", data={"code": totp.at(clock.time())})
    assert answer.status_code == 302 and "code" in params_of(answer.headers["Location"])
    assert answer.headers["Location"].startswith(REDIRECT + "?")
    assert (
        redeem(client, web, params_of(answer.headers["Location"])["code"], verifier).status_code
        == 200
    )


def test_consent_goes_back_to_the_authorization_endpoint(client, clock, registry, person):
    registry.add(name="Outside Scheduler", client_id="outside", redirect_uris=[REDIRECT])
    next_url = to_sign_in(client, authorize_url("outside", secrets.token_urlsafe(48)))
    answer = post_login(client, "gina", PASSWORD, next=next_url)
    assert answer.status_code == 302 and answer.headers["Location"] == next_url
    page = client.get(answer.headers["Location"])
    assert page.status_code == 200 and b"Outside Scheduler" in page.data


def test_an_invalid_authorization_request_goes_back_to_its_error(client, clock, web, person):
    """A request the endpoint refuses (here a redirect URI never registered) is answered by
    the endpoint itself, with its error page, as before."""
    bad = authorize_url("claims", secrets.token_urlsafe(48)).replace(
        "claims.example", "elsewhere.example"
    )
    answer = post_login(client, "gina", PASSWORD, next=bad)
    assert answer.status_code == 302 and answer.headers["Location"] == bad
    assert client.get(bad).status_code == 400


def test_prompt_login_sign_in_keeps_the_session_id_and_answers_with_the_code(
    client, clock, web, person
):
    old = login_as(client, person)
    verifier = secrets.token_urlsafe(48)
    forced = client.get(authorize_url("claims", verifier, prompt="login"))
    target = urlsplit(forced.headers["Location"])
    assert target.path == "/login" and "reauth=1" in target.query
    next_url = parse_qs(target.query)["next"][0]
    clock.advance(5)
    answer = post_login(client, "gina", PASSWORD, next=next_url, reauth="1")
    assert answer.headers["Location"].startswith(REDIRECT + "?")
    new = store().get(client.get_cookie("idp_sid").value)
    assert new.sid != old.sid and new.public_id == old.public_id
    assert (
        redeem(client, web, params_of(answer.headers["Location"])["code"], verifier).status_code
        == 200
    )


def test_an_outage_while_continuing_leaves_the_redirect(client, clock, web, person, monkeypatch):
    """Redis failing just after the sign-in was recorded: the sign-in stands, and the
    browser is sent to the authorization endpoint, which meets the outage in its own
    answer. (The outage is raised where the continuation starts; a stopped Redis is the
    subject of tests/reliability.)"""
    from idp.oauth import authorize

    def down(req):
        raise RedisConnectionError("Connection refused")

    next_url = to_sign_in(client, authorize_url("claims", secrets.token_urlsafe(48)))
    monkeypatch.setattr(authorize, "_decide", down)
    answer = post_login(client, "gina", PASSWORD, next=next_url)
    assert answer.status_code == 302 and answer.headers["Location"] == next_url
    assert store().get(client.get_cookie("idp_sid").value) is not None


def test_posted_credentials_are_never_answered_with_307(app, client, clock, registry, person):
    """RFC 9700 §4.12: a 307 would make the browser post the password, the second factor or
    the consent on to the client. Every POST of a sign-in with a second factor and a consent
    is answered with 302 or 303 (the redirects the browser turns into a GET)."""
    answers: list[tuple[str, str, int]] = []
    inner = app.wsgi_app

    def recording(environ, start_response):
        def start(status, headers, exc_info=None):
            answers.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], int(status[:3])))
            return start_response(status, headers, exc_info)

        return inner(environ, start)

    app.wsgi_app = recording
    try:
        registry.add(name="Outside Scheduler", client_id="outside", redirect_uris=[REDIRECT])
        totp, _ = enroll_totp(person, clock)
        next_url = to_sign_in(client, authorize_url("outside", secrets.token_urlsafe(48)))
        assert post_login(client, "gina", "not the password", next=next_url).status_code == 401
        assert post_login(client, "gina", PASSWORD, next=next_url).status_code == 302
        answer = client.post("/login/verify", data={"code": totp.at(clock.time())})
        assert answer.headers["Location"] == next_url
        consent = client.get(next_url)
        assert consent.status_code == 200 and b"Outside Scheduler" in consent.data
        action = re.search(rb'<form method="post" action="([^"]+)"', consent.data)
        assert action is not None
        allowed = client.post(html.unescape(action[1].decode()), data={"decision": "allow"})
        assert allowed.headers["Location"].startswith(REDIRECT + "?code=")
    finally:
        app.wsgi_app = inner
    posts = [(path, status) for method, path, status in answers if method == "POST"]
    assert [path for path, _ in posts] == ["/login", "/login", "/login/verify", "/oauth/authorize"]
    assert all(status in (302, 303) for _, status in posts[1:]), posts
    assert not [s for _, _, s in answers if s in (307, 308)], answers
