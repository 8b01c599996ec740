"""The sign-in pages: password, second factor, forced enrollment, reauth, generic failures."""

import argon2

from idp import audit
from idp.accounts.models import User
from idp.extensions import db
from idp.login.current import store
from idp.login.service import GENERIC_FAILURE
from tests.factories import PASSWORD, add_member, make_org, make_user
from tests.support.auth import login_as
from tests.support.signin import enroll_totp, post_login, strip_csrf


def session_of(client):
    cookie = client.get_cookie("idp_sid")
    return store().get(cookie.value) if cookie else None


def test_password_only_user_signs_in_with_username_or_email(client, clock):
    user = make_user("alice")
    response = post_login(client, "Alice", PASSWORD, next="/account")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    session = session_of(client)
    assert session.user_id == user.id and session.amr == ["pwd"]
    device = client.get_cookie("idp_device")
    assert device is not None and device.http_only and device.same_site == "Lax"
    client.delete_cookie("idp_sid")
    assert post_login(client, "alice@clinic.test", PASSWORD).status_code == 302
    assert db.session.get(User, user.id).last_sign_in_at is not None
    assert [e.event for e in audit.service.events("login.succeeded")] == ["login.succeeded"] * 2


def test_login_hint_prefills_the_username(client, clock):
    body = client.get("/login?login_hint=bob.smith&next=/x").data
    assert b'value="bob.smith"' in body and b'value="/x"' in body


def test_signed_in_browser_is_sent_on_unless_reauth(client, clock):
    user = make_user("carl")
    old = login_as(client, user)
    response = client.get("/login?next=/somewhere")
    assert response.status_code == 302 and response.headers["Location"] == "/somewhere"
    page = client.get("/login?next=/somewhere&reauth=1&login_hint=carl")
    assert page.status_code == 200 and b'name="reauth" value="1"' in page.data
    clock.advance(5)
    response = post_login(client, "carl", PASSWORD, next="/somewhere", reauth="1")
    assert response.status_code == 302
    new = session_of(client)
    assert new.sid != old.sid and new.auth_time > old.auth_time
    assert store().get(old.sid) is None


def test_totp_step_when_enrolled(client, clock):
    user = make_user("dana")
    totp, _ = enroll_totp(user, clock)
    response = post_login(client, "dana", PASSWORD, next="/claims")
    assert response.status_code == 302 and response.headers["Location"] == "/login/verify"
    assert client.get_cookie("idp_sid") is None
    assert b"Two-step verification" in client.get("/login/verify").data
    assert client.post("/login/verify", data={"code": "123456"}).status_code == 401
    response = client.post("/login/verify", data={"code": totp.at(clock.time())})
    assert response.status_code == 302 and response.headers["Location"] == "/claims"
    assert session_of(client).amr == ["pwd", "otp"]


def test_totp_code_cannot_be_reused_for_another_sign_in(client, clock, app):
    user = make_user("eric")
    totp, _ = enroll_totp(user, clock)
    code = totp.at(clock.time())
    post_login(client, "eric", PASSWORD)
    assert client.post("/login/verify", data={"code": code}).status_code == 302
    other = app.test_client()
    post_login(other, "eric", PASSWORD)
    response = other.post("/login/verify", data={"code": code})
    assert response.status_code == 401 and other.get_cookie("idp_sid") is None


def test_recovery_code_signs_in_once(client, clock, app):
    user = make_user("fred")
    _, codes = enroll_totp(user, clock)
    post_login(client, "fred", PASSWORD)
    assert client.post("/login/verify", data={"code": codes[3]}).status_code == 302
    other = app.test_client()
    post_login(other, "fred", PASSWORD)
    assert other.post("/login/verify", data={"code": codes[3]}).status_code == 401


def test_half_done_sign_in_expires(client, clock):
    user = make_user("gina")
    totp, _ = enroll_totp(user, clock)
    post_login(client, "gina", PASSWORD)
    clock.advance(11 * 60)
    response = client.post("/login/verify", data={"code": totp.at(clock.time())})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get_cookie("idp_sid") is None


def test_office_admin_without_mfa_must_enroll_before_the_session(client, clock):
    user = make_user("hank")
    add_member(user, make_org(), "office_admin")
    response = post_login(client, "hank", PASSWORD, next="/claims")
    assert response.status_code == 302
    assert response.headers["Location"] == "/mfa/enroll?next=/claims"
    assert client.get_cookie("idp_sid") is None
    page = client.get("/mfa/enroll?next=/claims").data.decode()
    assert 'src="data:image/png;base64,' in page
    secret = page.split('<code class="secret">')[1].split("<")[0]
    assert client.post("/mfa/enroll", data={"code": "000000"}).status_code == 400
    import pyotp

    response = client.post("/mfa/enroll", data={"code": pyotp.TOTP(secret).at(clock.time())})
    assert response.status_code == 200
    assert response.data.count(b"<li><code>") == 10 and b'href="/claims"' in response.data
    assert session_of(client).amr == ["pwd", "otp"]


def test_organization_can_require_mfa(client, clock):
    user = make_user("iris")
    add_member(user, make_org(mfa_required=True), "front_desk")
    response = post_login(client, "iris", PASSWORD)
    assert response.headers["Location"].startswith("/mfa/enroll")


def test_enroll_page_needs_a_signed_in_user_or_a_pending_sign_in(client, clock):
    response = client.get("/mfa/enroll")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_failures_answer_identically_for_unknown_known_and_locked(client, clock, app):
    make_user("jane")
    locked = make_user("kate", status="locked")
    bodies = []
    for username, password in [
        ("nobody-here", "whatever password"),
        ("jane", "wrong password!!"),
        ("kate", PASSWORD),  # locked: a correct password answers like a wrong one
    ]:
        response = post_login(client, "same-input", password)
        response = post_login(client, username, password)
        assert response.status_code == 401
        bodies.append(strip_csrf(response.data).replace(username.encode(), b"USER"))
    assert bodies[0] == bodies[1] == bodies[2]
    assert GENERIC_FAILURE.encode() in bodies[0]
    assert client.get_cookie("idp_sid") is None
    assert db.session.get(User, locked.id).status == "locked"


def test_unknown_user_costs_one_argon2_verification_like_a_known_one(client, clock, monkeypatch):
    make_user("lena")
    calls = []
    original = argon2.PasswordHasher.verify

    def counting(self, stored, password):
        calls.append(self.memory_cost)
        return original(self, stored, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)
    post_login(client, "lena", "wrong password!!")
    known = list(calls)
    calls.clear()
    post_login(client, "no-such-user", "wrong password!!")
    assert known == calls and len(calls) == 1


def test_failed_totp_codes_count_towards_the_lock(app, make_app, clock):
    user = make_user("mona")
    enroll_totp(user, clock)
    client = app.test_client()
    for _ in range(5):
        assert post_login(client, "mona", PASSWORD).status_code == 302
        assert client.post("/login/verify", data={"code": "000000"}).status_code == 401
    assert post_login(client, "mona", PASSWORD).status_code == 401
    events = audit.service.events("lockout.locked", subject_id=user.id)
    assert len(events) == 1


def test_logout_ends_the_session(client, clock):
    user = make_user("nora")
    session = login_as(client, user)
    assert client.post("/logout").status_code == 302
    assert store().get(session.sid) is None


def test_a_sign_in_reads_the_person_and_their_offices_once(client, clock):
    """The session starts from the rows the password step read (no re-read after the
    sign-in is recorded): the person and their memberships in one statement; and one query
    asks for an authenticator or a passkey."""
    from sqlalchemy import event

    user = make_user("olga")
    add_member(user, make_org(), "front_desk")
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()).lower())

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        response = post_login(client, "olga", PASSWORD)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert response.status_code == 302
    assert session_of(client).active_org_id is not None
    reads = [s.split(" from ")[1].split()[0] for s in statements if s.startswith("select")]
    assert reads.count("users") == 1 and reads.count("memberships") == 0
    (person,) = [s for s in statements if s.startswith("select") and " from users " in s]
    assert " join memberships " in person
    assert sum(" from mfa_" in s for s in statements if s.startswith("select")) == 1
