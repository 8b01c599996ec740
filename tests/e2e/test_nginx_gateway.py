"""The forward-auth gateway through a real nginx (Debian's), using the shipped snippets.

One nginx on one 127.0.0.1 port serves both the protected application (a tiny echo server
that reports what reached it) behind ``auth_request`` and the IdP's own paths, so the
host-only SSO cookie reaches the gateway as in deployment A of deploy/nginx.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from urllib.parse import quote

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwk, jwt

from idp import create_app
from idp.extensions import db
from idp.oauth.clients import client_service
from tests.factories import PASSWORD, add_member, make_org, make_user
from tests.support.gateway_stack import (
    BackChannelReceiver,
    EchoUpstream,
    Nginx,
    ServedApp,
    nginx_available,
)
from tests.support.mailcatcher import free_port
from tests.support.signin import enroll_totp


class RealClock:
    """The wall clock, for enroll_totp against a server that uses the real time."""

    def time(self) -> float:
        return time.time()

    def advance(self, seconds: float) -> None:
        pass


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not nginx_available(), reason="needs Debian's nginx (/usr/sbin/nginx)"),
]

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(scope="module")
def stack(base_settings, migrated, tmp_path_factory):
    port = free_port()
    host = f"127.0.0.1:{port}"
    app = create_app(
        {
            **base_settings,
            "redis_prefix": f"idp-e2e-{uuid.uuid4().hex[:8]}:",
            "public_base_url": f"http://{host}",
            "gateway": {
                "routes": {
                    "tools": {"hosts": [host]},
                    "admin": {"hosts": [host], "path_prefix": "/admin", "roles": ["office_admin"]},
                    "phi": {"hosts": [host], "path_prefix": "/phi", "mfa_required": True},
                    # Another application's host, open to anyone signed in.
                    "open": {"hosts": ["open.test"]},
                }
            },
        }
    )
    workdir = tmp_path_factory.mktemp("nginx")
    with (
        ServedApp(app) as idp,
        EchoUpstream() as upstream,
        Nginx(workdir, port, idp.port, upstream.port) as nginx,
    ):
        yield type("Stack", (), {"app": app, "base": f"http://{host}", "nginx": nginx})
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def person(stack):
    """A front-desk member of an approved office (unique names: the module shares a DB)."""
    with stack.app.app_context():
        org = make_org(f"Gateway Practice {uuid.uuid4().hex[:6]} LLC")
        user = make_user(f"gw{uuid.uuid4().hex[:8]}")
        add_member(user, org, "front_desk")
        return {"username": user.username, "id": user.id, "org_id": org.id, "org": org.legal_name}


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(
    browser: requests.Session, base: str, username: str, next_path: str = "/account", totp=None
):
    """Password (and, with ``totp``, the code step) through nginx, as a browser would."""
    page = browser.get(f"{base}/login", params={"next": next_path})
    assert page.status_code == 200, page.text
    response = browser.post(
        f"{base}/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": csrf_token(page.text),
            "next": next_path,
        },
        allow_redirects=False,
    )
    if totp is None:
        return response
    assert response.headers["Location"].endswith("/login/verify"), response.headers
    verify = browser.get(f"{base}/login/verify")
    return browser.post(
        f"{base}/login/verify",
        # The enrollment used this step's code, and each code works once: take the next one.
        data={"code": totp.at(time.time() + 30), "csrf_token": csrf_token(verify.text)},
        allow_redirects=False,
    )


def test_browser_goes_to_sign_in_and_comes_back_with_identity(stack, person):
    browser = requests.Session()
    target = f"{stack.base}/reports/daily?office=7&sort=asc"
    first = browser.get(target, headers=HTML, allow_redirects=False)
    assert first.status_code == 302
    assert first.headers["Location"] == (
        f"{stack.base}/forward-auth/start?rd={quote(target, safe='')}"
    )

    start = browser.get(first.headers["Location"], allow_redirects=False)
    assert start.status_code == 302 and start.headers["Location"].startswith("/login?next=")
    login_page = browser.get(stack.base + start.headers["Location"])
    next_path = re.search(r'name="next" value="([^"]+)"', login_page.text).group(1)
    signed_in = sign_in(browser, stack.base, person["username"], next_path.replace("&amp;", "&"))
    assert signed_in.status_code == 302

    back = browser.get(stack.base + signed_in.headers["Location"], allow_redirects=False)
    assert back.status_code == 302 and back.headers["Location"] == target

    arrived = browser.get(target, headers=HTML, allow_redirects=False)
    assert arrived.status_code == 200
    seen = arrived.json()
    assert seen["path"] == "/reports/daily?office=7&sort=asc"
    h = seen["headers"]
    assert h["x-auth-user"] == person["username"]
    assert h["x-auth-user-id"] == person["id"]
    assert h["x-auth-email"] == f"{person['username']}@clinic.test"
    assert h["x-auth-office"] == person["org_id"]
    assert h["x-auth-office-name"] == person["org"]
    assert h["x-auth-roles"] == "front_desk"
    assert h["x-auth-mfa"] == "false"


def test_api_calls_without_session_get_401(stack):
    api = requests.get(f"{stack.base}/api/claims", allow_redirects=False)
    assert api.status_code == 401
    assert api.json()["error"] == "login_required"
    xhr = requests.get(
        f"{stack.base}/reports", headers={"Accept": "application/json"}, allow_redirects=False
    )
    assert xhr.status_code == 401
    post = requests.post(f"{stack.base}/reports", data={"a": "1"}, allow_redirects=False)
    assert post.status_code == 401


def test_policy_not_met_is_403(stack, person):
    browser = requests.Session()
    assert sign_in(browser, stack.base, person["username"]).status_code == 302
    assert browser.get(f"{stack.base}/reports", headers=HTML).status_code == 200
    for path in ("/admin/users", "/phi/chart", "/public/..%2Fadmin/users", "/ADMIN/users"):
        response = browser.get(stack.base + path, headers=HTML, allow_redirects=False)
        assert response.status_code == 403, path


def test_a_forged_host_header_does_not_borrow_another_hosts_policy(stack, person):
    """nginx routes by the Host header and the gateway judges the Host it is told: a request
    for this server naming another configured (more open) host must not reach this app."""
    browser = requests.Session()
    assert sign_in(browser, stack.base, person["username"]).status_code == 302
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    assert browser.get(f"{stack.base}/reports", headers=HTML).status_code == 200
    for path in ("/admin/users", "/phi/chart"):
        # The Cookie header by hand: the cookie jar matches cookies against the Host header.
        forged = requests.get(
            stack.base + path,
            headers={"Host": "open.test", "Cookie": cookie, **HTML},
            allow_redirects=False,
        )
        assert forged.status_code != 200, (path, forged.text[:200])
        assert "x-auth-user" not in forged.text


def test_an_office_admin_with_mfa_meets_both_policies(stack):
    with stack.app.app_context():
        org = make_org()
        user = make_user(f"gwadmin{uuid.uuid4().hex[:6]}")
        add_member(user, org, "office_admin")
        totp, _ = enroll_totp(user, RealClock())
        username = user.username
    browser = requests.Session()
    assert sign_in(browser, stack.base, username, totp=totp).status_code == 302
    response = browser.get(f"{stack.base}/admin/users", headers=HTML)
    assert response.status_code == 200
    assert response.json()["headers"]["x-auth-roles"] == "office_admin"
    phi = browser.get(f"{stack.base}/phi/chart", headers=HTML)
    assert phi.status_code == 200
    assert phi.json()["headers"]["x-auth-mfa"] == "true"


def test_identity_headers_sent_by_the_client_never_reach_the_app(stack, person):
    forged = {"X-Auth-User": "root", "X-Auth-Roles": "office_admin", **HTML}
    anonymous = requests.get(f"{stack.base}/admin/x", headers=forged, allow_redirects=False)
    assert anonymous.status_code == 302
    browser = requests.Session()
    sign_in(browser, stack.base, person["username"])
    seen = browser.get(f"{stack.base}/reports", headers=forged).json()["headers"]
    assert seen["x-auth-user"] == person["username"]
    assert seen["x-auth-roles"] == "front_desk"


def test_writes_pass_through_with_a_session(stack, person):
    browser = requests.Session()
    sign_in(browser, stack.base, person["username"])
    response = browser.post(f"{stack.base}/reports/save", data={"n": "42"})
    assert response.status_code == 200
    assert response.json()["method"] == "POST" and response.json()["body"] == "n=42"


def test_signing_out_at_the_idp_ends_access_through_the_gateway(stack, person):
    browser = requests.Session()
    sign_in(browser, stack.base, person["username"])
    assert browser.get(f"{stack.base}/reports", headers=HTML).status_code == 200
    account = browser.get(f"{stack.base}/account")
    assert account.status_code == 200
    out = browser.post(
        f"{stack.base}/logout",
        data={"csrf_token": csrf_token(account.text)},
        allow_redirects=False,
    )
    assert out.status_code == 302
    after = browser.get(f"{stack.base}/reports", headers=HTML, allow_redirects=False)
    assert after.status_code == 302
    assert after.headers["Location"].startswith(f"{stack.base}/forward-auth/start?rd=")
    assert browser.get(f"{stack.base}/api/x", allow_redirects=False).status_code == 401


def test_sign_in_start_refuses_foreign_return_urls(stack):
    response = requests.get(f"{stack.base}/forward-auth/start", params={"rd": "https://evil.test/"})
    assert response.status_code == 400


# --- back-channel logout to a relying party, and the gateway after it --------------------


def authorize(stack, browser, client_id, redirect_uri) -> dict:
    """One authorization code flow through nginx with Authlib's client; returns the tokens."""
    rp = OAuth2Session(
        client_id,
        None,
        scope="openid profile email organization",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )
    verifier = secrets.token_urlsafe(48)
    url, _ = rp.create_authorization_url(
        f"{stack.base}/oauth/authorize", code_verifier=verifier, nonce="n-1"
    )
    response = browser.get(url, allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"].startswith(redirect_uri)
    return rp.fetch_token(
        f"{stack.base}/oauth/token",
        authorization_response=response.headers["Location"],
        code_verifier=verifier,
    )


@pytest.fixture
def relying_party(stack):
    """A public client whose back-channel logout endpoint is a real server in the test."""
    client_id = f"tool-{uuid.uuid4().hex[:8]}"
    redirect_uri = f"https://{client_id}.rp.test/cb"
    with BackChannelReceiver() as receiver, stack.app.app_context():
        settings = stack.app.config["IDP_SETTINGS"]
        client_service(settings, stack.app.config["SECRET_KEY"]).add(
            name="Scheduling tool",
            client_id=client_id,
            auth_method="none",
            redirect_uris=[redirect_uri],
            first_party=True,
            backchannel_logout_uri=receiver.url,
        )
        yield {"client_id": client_id, "redirect_uri": redirect_uri, "receiver": receiver}


def logout_claims(stack, token: str) -> dict:
    keys = jwk.KeySet.import_key_set(requests.get(f"{stack.base}/oauth/jwks").json())
    decoded = jwt.decode(token, keys, algorithms=["ES256", "RS256"])
    assert decoded.header["typ"] == "logout+jwt"
    return decoded.claims


def test_sign_out_sends_back_channel_logout_and_the_gateway_refuses(stack, person, relying_party):
    browser = requests.Session()
    assert sign_in(browser, stack.base, person["username"]).status_code == 302
    tokens = authorize(stack, browser, relying_party["client_id"], relying_party["redirect_uri"])
    id_claims = jwt.decode(
        tokens["id_token"],
        jwk.KeySet.import_key_set(requests.get(f"{stack.base}/oauth/jwks").json()),
        algorithms=["ES256", "RS256"],
    ).claims
    assert browser.get(f"{stack.base}/reports", headers=HTML).status_code == 200

    account = browser.get(f"{stack.base}/account")
    browser.post(f"{stack.base}/logout", data={"csrf_token": csrf_token(account.text)})

    received = relying_party["receiver"].tokens
    assert len(received) == 1
    logout = logout_claims(stack, received[0])
    assert logout["aud"] == relying_party["client_id"]
    assert logout["sub"] == person["id"] and logout["sid"] == id_claims["sid"]
    assert "http://schemas.openid.net/event/backchannel-logout" in logout["events"]
    gone = browser.get(f"{stack.base}/reports", headers=HTML, allow_redirects=False)
    assert gone.status_code == 302 and "/forward-auth/start" in gone.headers["Location"]
    assert browser.get(f"{stack.base}/api/x", allow_redirects=False).status_code == 401


def test_sign_out_everywhere_reaches_every_session(stack, person, relying_party):
    desk, laptop = requests.Session(), requests.Session()
    public_ids = set()
    for browser in (desk, laptop):
        sign_in(browser, stack.base, person["username"])
        tokens = authorize(
            stack, browser, relying_party["client_id"], relying_party["redirect_uri"]
        )
        public_ids.add(
            jwt.decode(
                tokens["id_token"],
                jwk.KeySet.import_key_set(requests.get(f"{stack.base}/oauth/jwks").json()),
                algorithms=["ES256", "RS256"],
            ).claims["sid"]
        )
        assert browser.get(f"{stack.base}/reports", headers=HTML).status_code == 200
    assert len(public_ids) == 2

    account = desk.get(f"{stack.base}/account")
    assert all(f'data-session="{sid}"' in account.text for sid in public_ids)
    desk.post(
        f"{stack.base}/account/sessions/end-all", data={"csrf_token": csrf_token(account.text)}
    )
    received = relying_party["receiver"].tokens
    assert {logout_claims(stack, t)["sid"] for t in received} == public_ids
    for browser in (desk, laptop):
        response = browser.get(f"{stack.base}/reports", headers=HTML, allow_redirects=False)
        assert response.status_code == 302


def test_a_real_browser_signs_in_through_the_gateway_and_out_again(stack, person, page):
    """Chromium: protected page -> sign-in page -> back to the page with identity; the
    account page's sign-out ends access."""
    target = f"{stack.base}/reports/today?x=1"
    page.goto(target)
    assert "/login" in page.url
    page.fill("#username", person["username"])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(target)
    seen = json.loads(page.inner_text("body"))
    assert seen["headers"]["x-auth-user"] == person["username"]
    assert seen["headers"]["x-auth-office"] == person["org_id"]

    page.goto(f"{stack.base}/account")
    page.click("text=Sign out everywhere")
    page.wait_for_url("**/login")
    page.goto(target)
    assert "/login" in page.url
