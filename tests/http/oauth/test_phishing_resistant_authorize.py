"""A role that requires phishing-resistant sign-in: the authorization endpoint sends a session
signed in with an app code to sign in again, and gives a passkey session its code."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tests.factories import add_member, make_org, make_user
from tests.http.oauth.conftest import REDIRECT, browser_for, serve
from tests.support.roles import roles_with


@pytest.fixture
def live(make_app):
    yield from serve(make_app, roles=roles_with(billing={"phishing_resistant": True}))


def authorize(live, browser):
    verifier = secrets.token_urlsafe(48)
    return browser.get(
        live.url + "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": "web",
            "redirect_uri": REDIRECT,
            "scope": "openid",
            "state": "st",
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
    )


@pytest.fixture
def person(live):
    from idp.oauth.clients import client_service

    settings = live.app.config["IDP_SETTINGS"]
    client_service(settings, live.app.config["SECRET_KEY"]).add(
        name="Web", client_id="web", redirect_uris=[REDIRECT], first_party=True
    )
    user = make_user("phr.billing")
    add_member(user, make_org(), "billing")
    return user


def test_an_app_code_session_is_sent_to_sign_in_again(live, person):
    answer = authorize(live, browser_for(live, person, amr=("pwd", "otp")))
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert location.path == "/login" and "code" not in parse_qs(location.query)


def test_a_passkey_session_gets_its_code(live, person):
    answer = authorize(live, browser_for(live, person, amr=("pwd", "hwk", "user", "mfa")))
    assert answer.status_code == 302
    assert "code" in parse_qs(urlsplit(answer.headers["Location"]).query)
