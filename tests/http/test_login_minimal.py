"""The password step and the SSO cookie (the authentication area tests the full flow)."""

from tests.factories import PASSWORD, make_user
from tests.support.auth import login_as


def test_dashboard_sends_anonymous_browsers_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/")


def test_login_sets_a_session_cookie_and_opens_the_dashboard(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    make_user("alice")
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    cookie = client.get_cookie("idp_sid")
    assert cookie is not None and cookie.http_only
    assert b"Welcome, Alice" in client.get("/").data


def test_wrong_password_is_refused(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    make_user("bob")
    response = client.post("/login", data={"username": "bob", "password": "nope nope nope"})
    assert response.status_code == 401
    assert client.get_cookie("idp_sid") is None


def test_login_as_helper(client):
    user = make_user("carol")
    login_as(client, user)
    assert b"Welcome, Carol" in client.get("/").data


def test_next_is_only_followed_to_local_paths(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    make_user("dave")
    response = client.post(
        "/login", data={"username": "dave", "password": PASSWORD, "next": "//evil.test/x"}
    )
    assert response.headers["Location"] == "/"
