"""Consent for third-party clients, prompt/max_age handling, RP-initiated and back-channel
logout."""

from __future__ import annotations

import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc import jwt

from idp.oauth.authorize import SCOPE_LABELS
from idp.oauth.grants import list_grants, revoke_grant
from tests.factories import PASSWORD, add_member, make_org, make_user
from tests.http.oauth.conftest import browser_for
from tests.http.oauth.test_grants import SCOPE, code_for, exchange, params_of

REDIRECT = "https://rp.example/cb"


@pytest.fixture
def people(live):
    org = make_org()
    user = make_user("carol")
    add_member(user, org, "clinician")
    return {"org": org, "user": user}


def _csrf(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_third_party_client_asks_consent_once(live, clients, people):
    clients.add(
        name="Outside Scheduler", client_id="outside", auth_method="none", redirect_uris=[REDIRECT]
    )
    browser = browser_for(live, people["user"])
    verifier = secrets.token_urlsafe(48)
    page = code_for(live, browser, "outside", verifier=verifier)
    assert page.status_code == 200 and "Outside Scheduler" in page.text
    # What is granted (ASVS 10.7.2): each scope asked for, in words and by name, to whom.
    for scope in SCOPE.split():
        assert SCOPE_LABELS[scope] in page.text and f"<code>{scope}</code>" in page.text
    assert SCOPE_LABELS["offline_access"] not in page.text  # not asked for, not shown
    assert people["user"].shown_name in page.text
    form_url = live.url + urlsplit(page.url).path + "?" + urlsplit(page.url).query
    no_csrf = browser.post(form_url, data={"decision": "allow"}, allow_redirects=False)
    assert no_csrf.status_code == 400
    denied = browser.post(
        form_url, data={"decision": "deny", "csrf_token": _csrf(page.text)}, allow_redirects=False
    )
    assert params_of(denied.headers["Location"])["error"] == "access_denied"
    page = code_for(live, browser, "outside", verifier=verifier)
    allowed = browser.post(
        form_url, data={"decision": "allow", "csrf_token": _csrf(page.text)}, allow_redirects=False
    )
    assert "code" in params_of(allowed.headers["Location"])
    again = code_for(live, browser, "outside", verifier=verifier)
    assert again.status_code == 302 and "code" in params_of(again.headers["Location"])
    grants = list_grants(people["user"].id)
    assert [g.client_id for g in grants] == ["outside"] and "email" in grants[0].scopes
    assert revoke_grant(people["user"].id, "outside")
    assert code_for(live, browser, "outside", verifier=verifier).status_code == 200
    silent = code_for(live, browser, "outside", verifier=verifier, prompt="none")
    assert params_of(silent.headers["Location"])["error"] == "consent_required"


def test_prompt_none_without_session_and_login_redirects(live, clients, people):
    clients.add(name="Web", client_id="web", redirect_uris=[REDIRECT], first_party=True)
    anonymous = requests.Session()
    silent = code_for(live, anonymous, "web", verifier="v" * 43, prompt="none")
    params = params_of(silent.headers["Location"])
    assert params["error"] == "login_required" and params["iss"] == live.url
    to_login = code_for(live, anonymous, "web", verifier="v" * 43, login_hint="carol")
    target = urlsplit(to_login.headers["Location"])
    query = parse_qs(target.query)
    assert target.path == "/login" and query["login_hint"] == ["carol"]
    assert query["next"][0].startswith("/oauth/authorize?")

    # Sign in through the real form: its answer carries the code.
    login_page = anonymous.get(live.url + "/login", params={"next": query["next"][0]})
    back = anonymous.post(
        live.url + "/login",
        data={
            "username": "carol",
            "password": PASSWORD,
            "next": query["next"][0],
            "csrf_token": _csrf(login_page.text),
        },
        allow_redirects=False,
    )
    assert back.status_code == 302 and back.headers["Location"].startswith(REDIRECT)
    assert "code" in params_of(back.headers["Location"])


def test_prompt_login_and_max_age_force_a_fresh_sign_in(live, clients, people):
    clients.add(name="Web", client_id="web", redirect_uris=[REDIRECT], first_party=True)
    browser = browser_for(live, people["user"])
    forced = code_for(live, browser, "web", verifier="v" * 43, prompt="login")
    assert urlsplit(forced.headers["Location"]).path == "/login"
    assert "reauth=1" in forced.headers["Location"]
    browser.sso.auth_time -= 3600
    from idp.login.current import store

    store().save(browser.sso)
    choose = code_for(live, browser, "web", verifier="v" * 43, prompt="select_account")
    assert urlsplit(choose.headers["Location"]).path == "/login"
    assert "reauth=1" in choose.headers["Location"]
    stale = code_for(live, browser, "web", verifier="v" * 43, max_age="60")
    assert urlsplit(stale.headers["Location"]).path == "/login"
    fine = code_for(live, browser, "web", verifier="v" * 43, max_age="7200")
    assert "code" in params_of(fine.headers["Location"])


class _Catcher(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        self.received.append(parse_qs(self.rfile.read(length).decode())["logout_token"][0])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_rp_initiated_logout_sends_back_channel_logout(live, clients, people):
    catcher = HTTPServer(("127.0.0.1", 0), _Catcher)
    threading.Thread(target=catcher.serve_forever, daemon=True).start()
    _Catcher.received = []
    try:
        reg = clients.add(
            name="Web",
            client_id="web",
            redirect_uris=[REDIRECT],
            first_party=True,
            post_logout_redirect_uris=["https://rp.example/bye"],
            backchannel_logout_uri=f"http://127.0.0.1:{catcher.server_port}/bc",
        )
        browser = browser_for(live, people["user"])
        verifier = secrets.token_urlsafe(48)
        code = params_of(code_for(live, browser, "web", verifier=verifier).headers["Location"])[
            "code"
        ]
        tokens = exchange(live, "web", reg.secret, code, verifier).json()

        unregistered = browser.get(
            live.url + "/oauth/logout",
            params={
                "id_token_hint": tokens["id_token"],
                "post_logout_redirect_uri": "https://evil.example/",
            },
            allow_redirects=False,
        )
        assert unregistered.status_code == 400 and "Location" not in unregistered.headers

        out = browser.get(
            live.url + "/oauth/logout",
            params={
                "id_token_hint": tokens["id_token"],
                "state": "s9",
                "post_logout_redirect_uri": "https://rp.example/bye",
            },
            allow_redirects=False,
        )
        assert out.headers["Location"] == "https://rp.example/bye?state=s9"
        assert len(_Catcher.received) == 1
        logout_token = _Catcher.received[0]
        keys = requests.get(live.url + "/oauth/jwks").json()
        from joserfc import jwk

        decoded = jwt.decode(logout_token, jwk.KeySet.import_key_set(keys), algorithms=["ES256"])
        assert decoded.header["typ"] == "logout+jwt"
        assert decoded.claims["aud"] == "web" and decoded.claims["sid"] == browser.sso.public_id
        assert "http://schemas.openid.net/event/backchannel-logout" in decoded.claims["events"]
        assert "nonce" not in decoded.claims
        # The SSO session is gone.
        again = code_for(live, browser, "web", verifier=verifier, prompt="none")
        assert params_of(again.headers["Location"])["error"] == "login_required"
    finally:
        catcher.shutdown()


def test_logout_without_hint_asks_first(live, clients, people):
    browser = browser_for(live, people["user"])
    page = browser.get(live.url + "/oauth/logout")
    assert page.status_code == 200 and "Sign out?" in page.text
    done = browser.post(
        live.url + "/oauth/logout", data={"confirm": "yes", "csrf_token": _csrf(page.text)}
    )
    assert "You are signed out" in done.text


def test_logout_accepts_only_an_id_token_as_hint(live, clients, people):
    """An access token carries the same sid and is signed with the same keys; given as
    id_token_hint it must not end the session without the person confirming."""
    reg = clients.add(
        name="Web",
        client_id="web",
        redirect_uris=[REDIRECT],
        first_party=True,
        post_logout_redirect_uris=["https://rp.example/bye"],
    )
    browser = browser_for(live, people["user"])
    verifier = secrets.token_urlsafe(48)
    code = params_of(code_for(live, browser, "web", verifier=verifier).headers["Location"])["code"]
    tokens = exchange(live, "web", reg.secret, code, verifier).json()
    for params in ({}, {"post_logout_redirect_uri": "https://rp.example/bye"}):
        refused = browser.get(
            live.url + "/oauth/logout",
            params={"id_token_hint": tokens["access_token"], **params},
            allow_redirects=False,
        )
        assert refused.status_code == 400 and "Location" not in refused.headers
    still = code_for(live, browser, "web", verifier=verifier, prompt="none")
    assert "code" in params_of(still.headers["Location"])
    out = browser.get(
        live.url + "/oauth/logout",
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://rp.example/bye",
        },
        allow_redirects=False,
    )
    assert out.headers["Location"] == "https://rp.example/bye"
