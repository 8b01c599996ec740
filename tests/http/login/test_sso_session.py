"""The SSO session over HTTP: new id at sign-in, timeouts per office, step-up, rotation."""

import re

import pytest
from flask import Blueprint

from idp.common.clock import FixedClock
from idp.extensions import db
from idp.login.current import store
from idp.login.guards import fresh_auth_required
from tests.factories import PASSWORD, add_member, make_org, make_user
from tests.support.auth import login_as


@pytest.fixture
def clock(app):
    clock = FixedClock()
    app.extensions["idp_clock"] = clock
    return clock


def sign_in_with_password(client, username):
    page = client.get("/login?reauth=1").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )


def sso_cookie(response) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if "idp_sid=" in c)


def test_sign_in_never_keeps_an_id_planted_before(app, client):
    make_user("alice")
    client.set_cookie("idp_sid", "attacker-chosen-value")
    assert sign_in_with_password(client, "alice").status_code == 302
    sid = client.get_cookie("idp_sid").value
    assert sid != "attacker-chosen-value"
    assert store().get(sid).user_id is not None


def test_signing_in_again_issues_a_new_id_but_keeps_the_public_one(app, client):
    user = make_user("alice")
    first = login_as(client, user)
    first.clients = ["tool-a"]
    store().save(first)
    assert sign_in_with_password(client, "alice").status_code == 302
    second = store().get(client.get_cookie("idp_sid").value)
    assert second.sid != first.sid
    assert store().get(first.sid) is None
    assert second.public_id == first.public_id
    assert second.clients == ["tool-a"]


def test_a_different_user_signing_in_ends_the_previous_session(app, client):
    from idp.login.current import SIGN_OUT_HOOKS

    ended = []
    SIGN_OUT_HOOKS.append(ended.append)
    try:
        alice = make_user("alice")
        make_user("bob")
        first = login_as(client, alice)
        sign_in_with_password(client, "bob")
    finally:
        SIGN_OUT_HOOKS.remove(ended.append)
    second = store().get(client.get_cookie("idp_sid").value)
    assert second.public_id != first.public_id
    assert [s.sid for s in ended] == [first.sid]


def test_idle_timeout_signs_out_after_fifteen_minutes(app, client, clock):
    login_as(client, make_user("alice", password=None))
    clock.advance(14 * 60)
    assert client.get("/").status_code == 200
    clock.advance(14 * 60)  # the request above reset the idle timer
    assert client.get("/").status_code == 200
    clock.advance(15 * 60 + 1)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_office_sets_its_own_idle_and_absolute_limits(app, client, clock):
    org = make_org(session_idle_minutes=5, session_absolute_minutes=30)
    user = make_user("alice", password=None)
    add_member(user, org)
    login_as(client, user)
    clock.advance(6 * 60)
    assert client.get("/").status_code == 302  # idle: 5 minutes

    login_as(client, user)
    for _ in range(7):
        clock.advance(4 * 60)
        assert client.get("/").status_code == 200
    clock.advance(3 * 60)
    assert client.get("/").status_code == 302  # absolute: 30 minutes, despite activity


def test_absolute_lifetime_defaults_to_twelve_hours(app, client, clock):
    login_as(client, make_user("alice", password=None))
    for _ in range(71):
        clock.advance(10 * 60)
        assert client.get("/").status_code == 200
    clock.advance(10 * 60)
    assert client.get("/").status_code == 302


def test_cookie_is_host_only_and_prefixed_under_https(make_app, migrated):
    app = make_app(public_base_url="https://idp.test")
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        user = make_user()
        client = app.test_client()
        response = client.post(
            "/login",
            data={"username": user.username, "password": PASSWORD},
            base_url="https://localhost",
        )
        cookie = sso_cookie(response)
        assert cookie.startswith("__Host-idp_sid=")
        assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
        assert "Domain" not in cookie and "SameSite=Lax" in cookie


def test_parent_domain_cookie_uses_the_secure_prefix(make_app, migrated):
    app = make_app(public_base_url="https://login.plan.test", session_cookie_domain=".plan.test")
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        user = make_user()
        response = app.test_client().post(
            "/login",
            data={"username": user.username, "password": PASSWORD},
            base_url="https://login.plan.test",
        )
        cookie = sso_cookie(response)
        assert cookie.startswith("__Secure-idp_sid=")
        assert "Domain=plan.test" in cookie and "Secure" in cookie


def test_a_privilege_change_gives_the_session_a_new_id(app, client):
    org_a, org_b = make_org(), make_org()
    user = make_user("alice", password=None)
    add_member(user, org_a)
    add_member(user, org_b)
    session = login_as(client, user, org_id=org_a.id)
    membership = next(m for m in user.memberships if m.org_id == org_a.id)
    db.session.delete(membership)
    db.session.commit()  # noticed by the ORM events: no call needed

    assert client.get("/").status_code == 200
    new_sid = client.get_cookie("idp_sid").value
    assert new_sid != session.sid
    assert store().get(session.sid) is None
    rotated = store().get(new_sid)
    assert rotated.public_id == session.public_id
    assert rotated.active_org_id == org_b.id  # no longer a member of the old office


def test_a_role_change_or_platform_role_gives_a_new_id(app, client):
    org = make_org()
    user = make_user("alice", password=None)
    membership = add_member(user, org, "front_desk")
    bystander = make_user("bob", password=None)
    add_member(bystander, org, "billing")
    session = login_as(client, user)
    theirs = login_as(app.test_client(), bystander)

    membership.role = "office_admin"
    db.session.commit()
    assert client.get("/").status_code == 200
    second = client.get_cookie("idp_sid").value
    assert second != session.sid and store().get(session.sid) is None
    assert not store().needs_new_id(theirs)  # only the changed user

    user.platform_role = "security_admin"
    db.session.commit()
    client.get("/")
    assert client.get_cookie("idp_sid").value != second


def test_a_rolled_back_change_changes_nothing(app, client):
    org = make_org()
    user = make_user("alice", password=None)
    membership = add_member(user, org, "front_desk")
    session = login_as(client, user)
    membership.role = "office_admin"
    db.session.flush()
    db.session.rollback()
    assert not store().needs_new_id(session)
    user.display_name = "Alice A."  # not a privilege
    db.session.commit()
    assert not store().needs_new_id(session)


# --- step-up ---------------------------------------------------------------------------


@pytest.fixture
def sensitive(app):
    bp = Blueprint("sensitive_test", __name__)

    @bp.route("/test/sensitive", methods=["GET", "POST"])
    @fresh_auth_required
    def action():
        return "done"

    app.register_blueprint(bp)
    return "/test/sensitive"


def test_step_up_passes_right_after_sign_in(app, client, clock, sensitive):
    login_as(client, make_user("alice", password=None))
    clock.advance(9 * 60)
    assert client.get(sensitive).data == b"done"


def test_step_up_sends_a_stale_session_to_re_authenticate(app, client, clock, sensitive):
    login_as(client, make_user("alice", password=None))
    clock.advance(11 * 60)
    response = client.get(sensitive + "?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?reauth=1&next=/test/sensitive?x%3D1"
    api = client.get(sensitive, headers={"Accept": "application/json"})
    assert api.status_code == 401
    assert api.json["error"] == "insufficient_user_authentication"


def test_a_form_post_comes_back_to_its_page(app, client, clock, sensitive):
    app.config["WTF_CSRF_ENABLED"] = False
    login_as(client, make_user("alice", password=None))
    clock.advance(11 * 60)
    response = client.post(sensitive, headers={"Referer": "http://localhost/account?tab=mfa"})
    assert response.headers["Location"] == "/login?reauth=1&next=/account?tab%3Dmfa"
    evil = client.post(sensitive, headers={"Referer": "http://evil.test/x"})
    assert evil.headers["Location"] == "/login?reauth=1&next=/"


def test_re_authenticating_makes_the_session_fresh_again(app, client, clock, sensitive):
    login_as(client, make_user("alice"))
    clock.advance(11 * 60)
    before = client.get_cookie("idp_sid").value
    assert client.get(sensitive).status_code == 302
    assert sign_in_with_password(client, "alice").status_code == 302
    assert client.get_cookie("idp_sid").value != before
    assert client.get(sensitive).data == b"done"


def test_step_up_needs_a_fresh_second_factor_once_used(app, client, clock, sensitive):
    login_as(client, make_user("alice"), amr=("pwd", "otp"))
    clock.advance(11 * 60)
    sign_in_with_password(client, "alice")  # password alone is not enough
    assert client.get(sensitive).status_code == 302


def test_step_up_asks_anonymous_users_to_sign_in(client, sensitive):
    response = client.get(sensitive)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
