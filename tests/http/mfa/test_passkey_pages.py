"""Passkey pages through the test client, with a software authenticator (no browser)."""

from __future__ import annotations

import json

import pytest

from idp import services
from idp.audit.service import events
from idp.login.current import cookie_name, store
from idp.login.service import PASSKEY_REQUIRED
from tests.factories import PASSWORD, add_member, make_org, make_user
from tests.support.auth import login_as
from tests.support.roles import roles_with
from tests.support.signin import enroll_totp, post_login
from tests.support.soft_authenticator import SoftAuthenticator

BASE = "https://login.plan.test"
TOOLS = "tools.plan.test"
JSON = {"Accept": "application/json"}
PASSKEY_AMR = ["pwd", "hwk", "user", "mfa"]


@pytest.fixture
def settings_overrides():
    return {
        "public_base_url": BASE,
        "roles": roles_with(billing={"phishing_resistant": True}),
        "gateway": {
            "routes": {
                "tools": {"hosts": [TOOLS]},
                "phi": {"hosts": [TOOLS], "path_prefix": "/phi", "phishing_resistant": True},
            }
        },
    }


@pytest.fixture
def office(app):
    return make_org("Riverside Family Practice LLC")


def with_passkey(user, key=None) -> SoftAuthenticator:
    key = key or SoftAuthenticator()
    service = services.passkeys()
    options = json.loads(service.registration_options(user))
    service.register(user, "Laptop", key.create(options, origin=BASE))
    return key


def options(client, path):
    response = client.post(path, headers=JSON)
    assert response.status_code == 200, response.data[:300]
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def session_amr(client):
    return store().get(client.get_cookie(cookie_name()).value).amr


def test_sign_in_page_offers_a_passkey_but_needs_no_javascript(client, clock):
    page = client.get("/login").get_data(as_text=True)
    assert 'data-passkey="assert"' in page and "Sign in with a passkey" in page
    assert 'autocomplete="username webauthn"' in page
    assert '<form method="post" action="/login/passkey" class="passkey" hidden' in page
    assert '<input id="password" name="password"' in page


def test_passkey_as_the_second_factor_after_the_password(client, clock, office):
    user = make_user("pia")
    add_member(user, office, "front_desk")
    key = with_passkey(user)
    response = post_login(client, "pia", PASSWORD, next="/dashboard")
    assert response.headers["Location"] == "/login/verify"
    assert "Use your passkey" in client.get("/login/verify").get_data(as_text=True)
    answer = key.get(options(client, "/login/verify/passkey/options"), origin=BASE)
    response = client.post("/login/verify/passkey", data={"credential": json.dumps(answer)})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert session_amr(client) == PASSKEY_AMR
    (event,) = events("login.succeeded")
    assert json.loads(event.data)["amr"] == PASSKEY_AMR


def test_passwordless_sign_in_and_a_replay_of_it(client, clock):
    user = make_user("pia")
    key = with_passkey(user)
    answer = json.dumps(key.get(options(client, "/login/passkey/options"), origin=BASE))
    response = client.post("/login/passkey", data={"credential": answer, "next": "/account"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert session_amr(client) == ["hwk", "user", "mfa"]
    other = client.application.test_client()
    refused = other.post("/login/passkey", data={"credential": answer})
    assert refused.status_code == 401
    assert "Your passkey could not be used" in refused.get_data(as_text=True)
    failed = [json.loads(e.data) for e in events("login.failed")]
    assert [f["reason"] for f in failed] == ["passkey_challenge"]


def test_a_bad_passkey_counts_towards_the_lockout_of_its_owner(client, clock):
    user = make_user("pia")
    key = with_passkey(user)
    for _ in range(2):
        challenge = options(client, "/login/passkey/options")
        answer = key.get(challenge, origin="https://phish.example")
        assert client.post("/login/passkey", data={"credential": json.dumps(answer)}).status_code
    failed = [e for e in events("login.failed") if e.subject_id == user.id]
    assert len(failed) == 2 and services.lockout().account_failures(user.id) == 2


def test_options_without_a_sign_in_in_progress_are_refused(client, clock):
    assert client.post("/login/verify/passkey/options", headers=JSON).status_code == 403
    assert client.post("/mfa/passkeys/options", headers=JSON).status_code == 403


def test_a_role_that_needs_phishing_resistance_refuses_app_codes(client, clock, office):
    user = make_user("bill")
    add_member(user, office, "billing")
    totp, codes = enroll_totp(user, clock)
    with_passkey(user)
    post_login(client, "bill", PASSWORD)
    page = client.get("/login/verify").get_data(as_text=True)
    assert "Your role needs a passkey" in page
    refused = client.post("/login/verify", data={"code": totp.at(clock.time())})
    assert refused.status_code == 401 and PASSKEY_REQUIRED in refused.get_data(as_text=True)
    # A recovery code is still the way back when the key is lost.
    assert client.post("/login/verify", data={"code": codes[0]}).status_code == 302


def test_register_and_remove_on_the_two_step_page(client, clock):
    user = make_user("pia")
    login_as(client, user)
    assert "No passkey is registered" in client.get("/mfa").get_data(as_text=True)
    key = SoftAuthenticator()
    answer = key.create(options(client, "/mfa/passkeys/options"), origin=BASE)
    page = client.post("/mfa/passkeys", data={"name": "Desk key", "credential": json.dumps(answer)})
    assert page.status_code == 200 and "Your recovery codes" in page.get_data(as_text=True)
    listing = client.get("/mfa").get_data(as_text=True)
    assert "Desk key" in listing and "never" in listing
    (stored,) = services.passkeys().credentials(user)
    clock.advance(11 * 60)  # no longer a fresh sign-in: removing needs one
    response = client.post(f"/mfa/passkeys/{stored.id}/remove")
    assert response.status_code == 302 and "reauth=1" in response.headers["Location"]
    login_as(client, user, amr=PASSKEY_AMR)
    assert client.post(f"/mfa/passkeys/{stored.id}/remove").status_code == 302
    assert services.passkeys().credentials(user) == []
    assert [e.event for e in events() if e.event.startswith("mfa.passkey")] == [
        "mfa.passkey_registered",
        "mfa.passkey_removed",
    ]


def test_a_registration_for_another_origin_is_refused_on_the_page(client, clock):
    user = make_user("pia")
    login_as(client, user)
    answer = SoftAuthenticator().create(
        options(client, "/mfa/passkeys/options"), origin="https://phish.example"
    )
    response = client.post("/mfa/passkeys", data={"name": "x", "credential": json.dumps(answer)})
    assert response.status_code == 400
    assert services.passkeys().credentials(user) == []


def test_forced_enrollment_may_register_a_passkey_instead_of_an_app(client, clock, office):
    admin = make_user("olive")
    add_member(admin, office, "office_admin")
    response = post_login(client, "olive", PASSWORD)
    assert response.headers["Location"].startswith("/mfa/enroll")
    assert 'data-passkey="register"' in client.get("/mfa/enroll").get_data(as_text=True)
    answer = SoftAuthenticator().create(options(client, "/mfa/passkeys/options"), origin=BASE)
    page = client.post("/mfa/passkeys", data={"name": "Phone", "credential": json.dumps(answer)})
    assert page.status_code == 200 and "Your recovery codes" in page.get_data(as_text=True)
    assert session_amr(client) == PASSKEY_AMR


def gateway(client, path):
    headers = {"X-Original-URL": f"https://{TOOLS}{path}", "Accept": "text/html"}
    return client.get("/forward-auth", headers=headers)


def test_a_route_that_needs_phishing_resistance(client, clock, office):
    user = make_user("fran")
    add_member(user, office, "front_desk")
    login_as(client, user, amr=["pwd", "otp"])
    assert gateway(client, "/claims").status_code == 200
    refused = gateway(client, "/phi/chart")
    assert refused.status_code == 403  # no passkey yet: no step-up, but where to add one
    assert f"{BASE}/mfa" in refused.get_data(as_text=True)
    with_passkey(user)
    refused = gateway(client, "/phi/chart")
    assert refused.status_code == 302  # Traefik: the browser is sent to step up
    assert refused.headers["Location"].startswith(f"{BASE}/login?reauth=1&next=")
    denied = [json.loads(e.data)["reason"] for e in events("gateway.denied")]
    assert denied == ["phishing_resistant_required"] * 2
    login_as(client, user, amr=PASSKEY_AMR)
    assert gateway(client, "/phi/chart").status_code == 200


def test_a_role_that_needs_phishing_resistance_everywhere_on_the_gateway(client, clock, office):
    user = make_user("bill")
    add_member(user, office, "billing")
    with_passkey(user)
    login_as(client, user, amr=["pwd", "otp"])
    assert gateway(client, "/claims").status_code == 302
    nginx = client.get(
        "/forward-auth/nginx", headers={"X-Original-URL": f"https://{TOOLS}/claims", **JSON}
    )
    assert nginx.status_code == 403
    assert nginx.get_json()["error"] == "phishing_resistant_required"
    login_as(client, user, amr=["hwk", "user", "mfa"])
    assert gateway(client, "/claims").status_code == 200


def test_discovery_advertises_the_phishing_resistant_acr(client):
    metadata = client.get("/.well-known/openid-configuration").get_json()
    assert metadata["acr_values_supported"] == [
        "urn:idp:acr:pwd",
        "urn:idp:acr:mfa",
        "urn:idp:acr:phr",
    ]
