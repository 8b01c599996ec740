"""A live idp on 127.0.0.1 for client libraries this project did not write."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from idp.extensions import db
from idp.login.current import cookie_name, session_limits, store
from idp.oauth.clients import client_service
from tests.conftest import _empty_all_tables
from tests.support.live import LiveServer

REDIRECT = "https://rp.example/cb"


def serve(make_app, **overrides):
    """Yield a started live server of an app built with ``overrides`` (inside its context)."""
    server = LiveServer(lambda url: make_app(public_base_url=url, **overrides))
    app = server.app
    app.config["TESTING"] = True
    with app.app_context():
        _empty_all_tables()
        server.start()
        try:
            yield server
        finally:
            server.stop()
            db.session.remove()


@pytest.fixture
def live(make_app):
    yield from serve(make_app)


@pytest.fixture
def clients(live):
    """The client registry of the live app (run inside its app context)."""
    return client_service(live.app.config["IDP_SETTINGS"], live.app.config["SECRET_KEY"])


def browser_for(live, user, amr=("pwd",), org_id=None) -> requests.Session:
    """A requests session carrying an SSO cookie for ``user`` (signed in already)."""
    from idp.login.current import default_org_id

    org_id = org_id or default_org_id(user)
    idle, absolute = session_limits(org_id)
    session = store().create(
        user.id, list(amr), idle_seconds=idle, absolute_seconds=absolute, active_org_id=org_id
    )
    browser = requests.Session()
    browser.cookies.set(cookie_name(), session.sid, domain="127.0.0.1", path="/")
    browser.sso = session
    return browser


def code_for_signed_in(
    live, browser, client_id="web", *, scope="openid profile organization", redirect=REDIRECT
) -> tuple[str, str]:
    """An authorization code (PKCE S256) for the person signed in on ``browser``, and its
    verifier."""
    verifier = secrets.token_urlsafe(48)
    response = browser.get(
        live.url + "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect,
            "scope": scope,
            "state": "st",
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
    )
    return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0], verifier


def redeem(live, auth, code, verifier, redirect=REDIRECT) -> requests.Response:
    return requests.post(
        live.url + "/oauth/token",
        auth=auth,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "code_verifier": verifier,
        },
        timeout=30,
    )
