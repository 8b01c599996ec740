"""Changing one's own password: checked, recorded, other sessions end, this one goes on."""

from idp.accounts.models import User
from idp.accounts.passwords import verify_password
from idp.audit.service import events
from idp.extensions import db
from idp.login.current import cookie_name, store
from tests.factories import PASSWORD, make_user
from tests.http.self_service.test_account_page import csrf, other_session
from tests.support.auth import login_as

NEW = "a brand new passphrase for the portal"


def post(client, data):
    return client.post("/account/password", data={"csrf_token": csrf(client), **data})


def test_change_password_ends_other_sessions_and_keeps_this_browser(app, client, mail):
    user = make_user("pia")
    login_as(client, user)
    elsewhere = other_session(user)
    before = client.get_cookie(cookie_name()).value

    response = post(
        client, {"current_password": PASSWORD, "password": NEW, "password_confirm": NEW}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account"

    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert verify_password(stored.password_hash, NEW)
    assert not verify_password(stored.password_hash, PASSWORD)
    assert store().get(elsewhere.sid) is None
    assert store().get(before) is None
    after = client.get_cookie(cookie_name()).value
    assert after != before and store().get(after) is not None
    assert client.get("/account").status_code == 200
    assert [e.subject_id for e in events("password.changed")] == [user.id]
    [notice] = mail.wait_for(user.email)
    assert notice["Subject"] == "Your password was changed"


def test_wrong_current_password_or_weak_new_one_changes_nothing(app, client):
    user = make_user("quinn")
    login_as(client, user)
    cases = [
        (
            {"current_password": "not my password!", "password": NEW, "password_confirm": NEW},
            b"not your current password",
        ),
        (
            {"current_password": PASSWORD, "password": "short", "password_confirm": "short"},
            b"at least 12",
        ),
        ({"current_password": PASSWORD, "password": NEW, "password_confirm": NEW + "x"}, b"differ"),
    ]
    for data, message in cases:
        response = post(client, data)
        assert response.status_code == 400
        assert message in response.data
        assert NEW.encode() not in response.data
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, PASSWORD)
    assert events("password.changed") == []


def test_change_password_needs_a_fresh_sign_in(app, client):
    user = make_user("rory")
    session = login_as(client, user)
    session.auth_time -= 24 * 3600
    session.mfa_at = None
    store().save(session)
    response = client.get("/account/password")
    assert response.status_code == 302
    assert "reauth=1" in response.headers["Location"]
