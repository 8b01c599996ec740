"""Forgot password, reset links, forgot username (real SMTP via the mail fixture)."""

from idp import audit
from idp.accounts.models import User
from idp.accounts.passwords import verify_password
from idp.extensions import db
from idp.login.current import store
from tests.factories import PASSWORD, make_user
from tests.support.auth import login_as
from tests.support.signin import post_login, strip_csrf

NEW_PASSWORD = "purple elephant marmalade 77"


def request_reset(client, identifier, **kwargs):
    return client.post("/login/forgot-password", data={"identifier": identifier}, **kwargs)


def test_reset_link_comes_from_the_public_base_url_whatever_the_host_header(client, clock, mail):
    user = make_user("amy")
    response = request_reset(
        client, "amy", headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    )
    assert response.status_code == 200
    link = mail.last_link(user.email, "/login/reset-password/")
    assert link.startswith("http://idp.test/login/reset-password/")
    assert "evil" not in mail.text(mail.wait_for(user.email)[-1])
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes, url-safe base64


def test_reset_token_works_once_and_ends_every_session(client, clock, mail, app):
    user = make_user("ben")
    old_session = login_as(app.test_client(), user)
    request_reset(client, "ben@clinic.test")
    path = mail.last_link(user.email, "/reset-password/").removeprefix("http://idp.test")
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, NEW_PASSWORD)
    assert store().get(old_session.sid) is None
    assert client.get(path).status_code == 404
    again = client.post(
        path, data={"password": "another fine password", "confirm": "another fine password"}
    )
    assert again.status_code == 404
    assert post_login(client, "ben", PASSWORD).status_code == 401
    assert post_login(client, "ben", NEW_PASSWORD).status_code == 302
    assert len(audit.service.events("password.reset", subject_id=user.id)) == 1


def test_reset_token_expires_after_30_minutes(client, clock, mail):
    user = make_user("cleo")
    request_reset(client, "cleo")
    path = mail.last_link(user.email, "/reset-password/").removeprefix("http://idp.test")
    clock.advance(29 * 60)
    assert client.get(path).status_code == 200
    clock.advance(2 * 60)
    assert client.get(path).status_code == 404
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 404


def test_reset_applies_the_password_policy(client, clock, mail):
    user = make_user("dora")
    request_reset(client, "dora")
    path = mail.last_link(user.email, "/reset-password/").removeprefix("http://idp.test")
    for password, message in [
        ("short one", b"at least 12"),
        ("passwordpassword", b"common or breached"),
        ("dora@clinic.test", b"username or email"),
    ]:
        response = client.post(path, data={"password": password, "confirm": password})
        assert response.status_code == 400 and message in response.data
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": "different words here"})
    assert response.status_code == 400
    assert client.get(path).status_code == 200  # still usable after refusals


def test_reset_also_unlocks_a_locked_account(client, clock, mail):
    user = make_user("edna", status="locked")
    request_reset(client, "edna")
    path = mail.last_link(user.email, "/reset-password/").removeprefix("http://idp.test")
    client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    db.session.expire_all()
    assert db.session.get(User, user.id).status == "active"


def test_forgot_password_answers_the_same_for_unknown_and_known(client, clock, mail):
    make_user("finn")
    known = request_reset(client, "finn")
    unknown = request_reset(client, "nobody-at-all")
    assert known.status_code == unknown.status_code == 200
    assert strip_csrf(known.data) == strip_csrf(unknown.data)
    mail.wait_for("finn@clinic.test")
    assert len(mail.messages) == 1


def test_forgot_username_mails_it_and_answers_the_same(client, clock, mail):
    make_user("gwen")
    known = client.post("/login/forgot-username", data={"email": "GWEN@clinic.test"})
    unknown = client.post("/login/forgot-username", data={"email": "nobody@clinic.test"})
    assert known.status_code == unknown.status_code == 200
    assert strip_csrf(known.data) == strip_csrf(unknown.data)
    text = mail.text(mail.wait_for("gwen@clinic.test")[0])
    assert "Your username is: gwen" in text and "http://idp.test/login" in text
    assert len(mail.messages) == 1


def test_unknown_reset_or_unlock_tokens_are_refused(client, clock):
    assert client.get("/login/reset-password/not-a-token").status_code == 404
    assert client.post("/login/unlock/not-a-token").status_code == 400
