"""Changing one's own second factor (ASVS 4 7.4.3): every other session of the person ends,
with its sign-out hooks, and the browser that made the change stays signed in with the same
methods and office; a change that fails ends nothing."""

from __future__ import annotations

import json
import re

import pyotp
import pytest

from idp import services
from idp.login.current import SIGN_OUT_HOOKS, cookie_name, store
from idp.login.sessions import SsoSession
from tests.factories import add_member, make_org, make_user
from tests.http.mfa.test_passkey_pages import BASE, PASSKEY_AMR, options, with_passkey
from tests.support.auth import login_as
from tests.support.signin import SECRET_RE, enroll_totp
from tests.support.soft_authenticator import SoftAuthenticator

SIGNED_OUT = "Every other session was signed out."


@pytest.fixture
def settings_overrides():
    return {"public_base_url": BASE}


@pytest.fixture
def ended():
    seen: list[SsoSession] = []
    SIGN_OUT_HOOKS.append(seen.append)
    yield seen
    SIGN_OUT_HOOKS.remove(seen.append)


class Browsers:
    """This browser (``client``, about to change a factor) and a second one of the person."""

    def __init__(self, app, client, clock, user, amr):
        self.client, self.clock = client, clock
        org = make_org()
        add_member(user, org, "front_desk")
        self.here = login_as(client, user, amr=amr, org_id=org.id)
        self.elsewhere = app.test_client()
        self.there = login_as(self.elsewhere, user, amr=("pwd",), org_id=org.id)
        clock.advance(60)  # still a fresh sign-in; a renewed session would outlive this one

    def this_session(self) -> SsoSession | None:
        cookie = self.client.get_cookie(cookie_name())
        return store().get(cookie.value) if cookie else None

    def assert_only_this_one_left(self, ended: list[SsoSession]) -> None:
        response = self.elsewhere.get("/account")
        assert response.status_code == 302
        assert response.headers["Location"] == "/login?next=/account"
        assert store().get(self.there.sid) is None
        assert self.there.public_id in {s.public_id for s in ended}
        now = self.this_session()
        assert now is not None and now.sid != self.here.sid
        assert now.amr == self.here.amr and now.active_org_id == self.here.active_org_id
        assert now.expires_at <= self.here.expires_at
        assert self.client.get("/account").status_code == 200

    def assert_nothing_ended(self, ended: list[SsoSession]) -> None:
        assert ended == []
        assert self.client.get_cookie(cookie_name()).value == self.here.sid
        assert self.elsewhere.get("/account").status_code == 200
        assert self.client.get("/account").status_code == 200


def new_secret(client) -> pyotp.TOTP:
    match = SECRET_RE.search(client.get("/mfa/enroll?next=/mfa").data)
    assert match
    return pyotp.TOTP(match.group(1).decode())


def test_enrolling_an_authenticator_ends_other_sessions_and_keeps_this_browser(
    app, client, clock, ended
):
    user = make_user("ada")
    browsers = Browsers(app, client, clock, user, amr=("pwd",))
    totp = new_secret(client)
    response = client.post("/mfa/enroll", data={"code": totp.at(clock.time())})
    assert response.status_code == 200 and response.data.count(b"<li><code>") == 10
    assert SIGNED_OUT in response.get_data(as_text=True)
    assert services.mfa().has_totp(user)
    browsers.assert_only_this_one_left(ended)


def test_replacing_an_authenticator_ends_other_sessions_and_keeps_this_browser(
    app, client, clock, ended
):
    user = make_user("bea")
    old, _ = enroll_totp(user, clock)
    browsers = Browsers(app, client, clock, user, amr=("pwd", "otp"))
    totp = new_secret(client)
    assert totp.secret != old.secret
    response = client.post("/mfa/enroll", data={"code": totp.at(clock.time())})
    assert response.status_code == 200 and SIGNED_OUT in response.get_data(as_text=True)
    assert services.mfa().verify_totp(user, totp.at(clock.time() + 30))
    browsers.assert_only_this_one_left(ended)


def test_a_wrong_code_at_enrollment_ends_no_session_the_right_one_does(app, client, clock, ended):
    user = make_user("cy")
    browsers = Browsers(app, client, clock, user, amr=("pwd",))
    totp = new_secret(client)
    response = client.post("/mfa/enroll", data={"code": "000000"})
    assert response.status_code == 400
    assert not services.mfa().has_totp(user)
    browsers.assert_nothing_ended(ended)
    assert client.post("/mfa/enroll", data={"code": totp.at(clock.time())}).status_code == 200
    browsers.assert_only_this_one_left(ended)


def test_new_recovery_codes_end_other_sessions_and_keep_this_browser(app, client, clock, ended):
    user = make_user("dee")
    enroll_totp(user, clock)
    browsers = Browsers(app, client, clock, user, amr=("pwd", "otp"))
    response = client.post("/mfa/recovery-codes")
    assert response.status_code == 200 and response.data.count(b"<li><code>") == 10
    assert SIGNED_OUT in response.get_data(as_text=True)
    browsers.assert_only_this_one_left(ended)


def test_recovery_codes_refused_without_a_second_factor_end_no_session(app, client, clock, ended):
    user = make_user("eli")
    browsers = Browsers(app, client, clock, user, amr=("pwd", "otp"))
    response = client.post("/mfa/recovery-codes")
    assert response.status_code == 400
    assert services.mfa().remaining_recovery_codes(user) == 0
    browsers.assert_nothing_ended(ended)
    enroll_totp(user, clock)  # not through the pages: no session ends there
    browsers.assert_nothing_ended(ended)
    assert client.post("/mfa/recovery-codes").status_code == 200
    browsers.assert_only_this_one_left(ended)


def register(client, origin=BASE):
    answer = SoftAuthenticator().create(options(client, "/mfa/passkeys/options"), origin=origin)
    return client.post("/mfa/passkeys", data={"name": "Desk key", "credential": json.dumps(answer)})


def test_adding_a_passkey_ends_other_sessions_and_keeps_this_browser(app, client, clock, ended):
    user = make_user("fox")
    enroll_totp(user, clock)  # recovery codes already: the answer is a redirect to /mfa
    browsers = Browsers(app, client, clock, user, amr=("pwd", "otp"))
    response = register(client)
    assert response.status_code == 302 and response.headers["Location"] == "/mfa"
    assert len(services.passkeys().credentials(user)) == 1
    page = client.get("/mfa").get_data(as_text=True)
    assert "Passkey “Desk key” added. " + SIGNED_OUT in page
    browsers.assert_only_this_one_left(ended)


def test_a_refused_passkey_ends_no_session_a_first_good_one_does(app, client, clock, ended):
    user = make_user("gil")
    browsers = Browsers(app, client, clock, user, amr=("pwd",))
    assert register(client, origin="https://phish.example").status_code == 400
    assert services.passkeys().credentials(user) == []
    browsers.assert_nothing_ended(ended)
    page = register(client)  # the first second factor: its recovery codes are shown
    assert page.status_code == 200 and "Your recovery codes" in page.get_data(as_text=True)
    assert SIGNED_OUT in page.get_data(as_text=True)
    browsers.assert_only_this_one_left(ended)


def test_removing_a_passkey_ends_other_sessions_and_keeps_this_browser(app, client, clock, ended):
    user = make_user("hope")
    with_passkey(user)
    (key,) = services.passkeys().credentials(user)
    browsers = Browsers(app, client, clock, user, amr=PASSKEY_AMR)
    response = client.post(f"/mfa/passkeys/{key.id}/remove")
    assert response.status_code == 302 and response.headers["Location"] == "/mfa"
    assert services.passkeys().credentials(user) == []
    assert "Passkey removed. " + SIGNED_OUT in client.get("/mfa").get_data(as_text=True)
    browsers.assert_only_this_one_left(ended)


def test_removing_someone_elses_passkey_ends_no_session_removing_ones_own_does(
    app, client, clock, ended
):
    owner = make_user("ivy")
    with_passkey(owner)
    (key,) = services.passkeys().credentials(owner)
    user = make_user("jay")
    with_passkey(user)
    browsers = Browsers(app, client, clock, user, amr=PASSKEY_AMR)
    assert re.fullmatch(r"[0-9a-f-]{36}", key.id)  # refused by the owner check, not the shape
    assert client.post(f"/mfa/passkeys/{key.id}/remove").status_code == 404
    assert len(services.passkeys().credentials(owner)) == 1
    browsers.assert_nothing_ended(ended)
    (mine,) = services.passkeys().credentials(user)
    assert client.post(f"/mfa/passkeys/{mine.id}/remove").status_code == 302
    browsers.assert_only_this_one_left(ended)
