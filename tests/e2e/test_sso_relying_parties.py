"""Single sign-on across relying parties on a live idp, with Authlib's client as the RPs.

- one password entry signs the browser in to two clients (unless prompt=login or max_age);
- the active office carries over from one client to the next, and switching office changes
  what new tokens carry;
- tokens name the session by its public id, never by the cookie value.
"""

from __future__ import annotations

import re
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwk, jwt

from idp.login.current import cookie_name
from idp.oauth.clients import client_service
from tests.factories import PASSWORD, add_member, make_org, make_user

pytestmark = pytest.mark.slow

SCOPE = "openid profile email organization"
CLIENTS = {"claims-web": "https://claims.rp.test/cb", "eligibility-web": "https://elig.rp.test/cb"}


@pytest.fixture
def rps(app, live_server):
    """Two first-party confidential web clients registered on the live idp."""
    service = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
    return {
        client_id: (
            service.add(
                name=client_id, client_id=client_id, redirect_uris=[uri], first_party=True
            ).secret,
            uri,
        )
        for client_id, uri in CLIENTS.items()
    }


@pytest.fixture
def person(app):
    """Member of two offices: front desk at the first (default), billing at the second."""
    first = make_org("First Street Clinic LLC")
    second = make_org("Second Avenue Billing Inc")
    user = make_user("dana")
    add_member(user, first, "front_desk")
    add_member(user, second, "billing")
    return {"user": user, "first": first, "second": second}


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def params(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class RelyingParty:
    """One client's side of the authorization code flow (PKCE S256, nonce, state)."""

    def __init__(self, live, client_id, secret, redirect_uri):
        self.live = live
        self.session = OAuth2Session(
            client_id, secret, scope=SCOPE, redirect_uri=redirect_uri, code_challenge_method="S256"
        )
        self.verifier = secrets.token_urlsafe(48)

    def start(self, browser: requests.Session, **extra) -> requests.Response:
        url, self.state = self.session.create_authorization_url(
            self.live.url + "/oauth/authorize",
            code_verifier=self.verifier,
            nonce=secrets.token_urlsafe(12),
            **extra,
        )
        return browser.get(url, allow_redirects=False)

    def finish(self, location: str) -> dict:
        assert params(location)["state"] == self.state
        return self.session.fetch_token(
            self.live.url + "/oauth/token",
            authorization_response=location,
            code_verifier=self.verifier,
        )


def claims(live, token: str) -> dict:
    keys = jwk.KeySet.import_key_set(requests.get(live.url + "/oauth/jwks").json())
    return jwt.decode(token, keys, algorithms=["ES256", "RS256"]).claims


def password_step(live, browser, location: str) -> requests.Response:
    """The sign-in page the idp sent the browser to: one password entry."""
    assert urlsplit(location).path == "/login", location
    page = browser.get(live.url + location)
    assert page.status_code == 200 and 'name="password"' in page.text
    next_path = params(location)["next"]
    return browser.post(
        live.url + "/login",
        data={
            "username": "dana",
            "password": PASSWORD,
            "next": next_path,
            "csrf_token": csrf(page.text),
        },
        allow_redirects=False,
    )


def test_one_password_entry_signs_in_to_two_clients(live_server, rps, person):
    live, browser = live_server, requests.Session()
    first = RelyingParty(live, "claims-web", *rps["claims-web"])
    second = RelyingParty(live, "eligibility-web", *rps["eligibility-web"])

    to_login = first.start(browser)
    signed_in = password_step(live, browser, to_login.headers["Location"])
    # The password's answer carries the code: no second visit to /oauth/authorize.
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"].startswith(CLIENTS["claims-web"])
    id_first = claims(live, first.finish(signed_in.headers["Location"])["id_token"])

    # The second application: straight back with a code, no sign-in page.
    silent = second.start(browser)
    assert silent.status_code == 302
    assert silent.headers["Location"].startswith(CLIENTS["eligibility-web"])
    id_second = claims(live, second.finish(silent.headers["Location"])["id_token"])
    assert id_second["sub"] == id_first["sub"] == person["user"].id
    assert id_second["sid"] == id_first["sid"]
    assert id_second["auth_time"] == id_first["auth_time"]
    assert id_second["aud"] == "eligibility-web"

    # ... unless the application demands a new sign-in (the idp counts a sign-in within
    # the last second as answering prompt=login, hence the pause).
    time.sleep(1.1)
    stale = second.start(browser, max_age="1")
    assert urlsplit(stale.headers["Location"]).path == "/login"
    forced = second.start(browser, prompt="login")
    again = password_step(live, browser, forced.headers["Location"])
    id_again = claims(live, second.finish(again.headers["Location"])["id_token"])
    assert id_again["auth_time"] > id_first["auth_time"]
    assert id_again["sid"] == id_first["sid"]  # the same SSO session, signed in afresh
    fine = second.start(browser, max_age="3600")
    assert fine.headers["Location"].startswith(CLIENTS["eligibility-web"])

    # Tokens name the session by its public id; the cookie value never leaves the idp.
    cookie = browser.cookies.get(cookie_name(), domain="127.0.0.1")
    assert cookie and id_first["sid"] != cookie
    tokens = second.finish(fine.headers["Location"])
    assert cookie not in tokens["id_token"] and cookie not in tokens["access_token"]


def test_active_office_carries_over_and_switching_changes_new_tokens(live_server, rps, person):
    live, browser = live_server, requests.Session()
    first = RelyingParty(live, "claims-web", *rps["claims-web"])
    second = RelyingParty(live, "eligibility-web", *rps["eligibility-web"])
    to_login = first.start(browser)
    signed_in = password_step(live, browser, to_login.headers["Location"])
    first_tokens = first.finish(signed_in.headers["Location"])
    office = claims(live, first_tokens["id_token"])["organization"]
    assert office["id"] == person["first"].id and office["roles"] == ["front_desk"]
    assert claims(live, first_tokens["access_token"])["org"]["id"] == person["first"].id

    carried = second.finish(second.start(browser).headers["Location"])
    assert claims(live, carried["id_token"])["organization"]["id"] == person["first"].id

    # Switch office on the dashboard: new session id, same sign-in.
    before = browser.cookies.get(cookie_name(), domain="127.0.0.1")
    dashboard = browser.get(live.url + "/")
    switched = browser.post(
        live.url + "/switch-office",
        data={"org_id": person["second"].id, "csrf_token": csrf(dashboard.text)},
        allow_redirects=False,
    )
    assert switched.status_code == 302
    assert browser.cookies.get(cookie_name(), domain="127.0.0.1") != before

    for rp in (second, first):
        tokens = rp.finish(rp.start(browser).headers["Location"])
        id_claims = claims(live, tokens["id_token"])
        access = claims(live, tokens["access_token"])
        assert id_claims["organization"]["id"] == person["second"].id
        assert id_claims["organization"]["roles"] == ["billing"]
        assert access["org"]["id"] == person["second"].id and access["roles"] == ["billing"]
        assert id_claims["sid"] == claims(live, first_tokens["id_token"])["sid"]
