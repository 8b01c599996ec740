"""The account page: own sessions (end one or all), active office, applications."""

import re

import pytest

from idp.audit.service import events
from idp.errors import Conflict
from idp.extensions import db
from idp.login.current import SIGN_OUT_HOOKS, session_limits, store
from idp.oauth.clients import client_service
from idp.oauth.context import minter
from idp.oauth.context import service as oauth_service
from idp.oauth.grants import list_grants
from idp.self_service import service
from tests.factories import PASSWORD, make_user
from tests.support.auth import login_as
from tests.support.gateway_stack import BackChannelReceiver

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def csrf(client, path="/account"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def other_session(user, agent=SAFARI, ip="203.0.113.7", clients=()):
    idle, absolute = session_limits(None)
    return store().create(
        user.id,
        ["pwd"],
        idle_seconds=idle,
        absolute_seconds=absolute,
        ip=ip,
        user_agent=agent,
        clients=list(clients),
    )


@pytest.fixture
def ended():
    seen = []
    SIGN_OUT_HOOKS.append(seen.append)
    yield seen
    SIGN_OUT_HOOKS.remove(seen.append)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/account"


def test_lists_every_session_with_device_ip_and_last_seen(client):
    user = make_user("alice", password=None)
    mine = login_as(client, user)
    phone = other_session(user)
    stranger = other_session(make_user("mallory", password=None), ip="198.51.100.9")
    page = client.get("/account", headers={"User-Agent": FIREFOX}).get_data(as_text=True)
    assert f'data-session="{mine.public_id}"' in page
    assert f'data-session="{phone.public_id}"' in page
    assert "Safari on iPhone" in page and "203.0.113.7" in page
    assert "(this browser)" in page
    assert stranger.public_id not in page and "198.51.100.9" not in page
    assert mine.sid not in page and phone.sid not in page  # cookie values never shown
    assert page.index(mine.public_id) < page.index(phone.public_id)


def test_ending_another_session_signs_that_device_out(client, ended):
    user = make_user("alice", password=None)
    mine = login_as(client, user)
    phone = other_session(user, clients=["claims-tool"])
    response = client.post(
        f"/account/sessions/{phone.public_id}/end", data={"csrf_token": csrf(client)}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert store().get(phone.sid) is None
    assert store().get(mine.sid) is not None
    assert [s.public_id for s in ended] == [phone.public_id]
    assert ended[0].clients == ["claims-tool"]  # back-channel logout knows whom to tell
    assert [e.event for e in events(subject_id=user.id)] == ["session.ended"]


def test_ending_this_session_signs_out_here(client):
    user = make_user("alice", password=None)
    mine = login_as(client, user)
    response = client.post(
        f"/account/sessions/{mine.public_id}/end", data={"csrf_token": csrf(client)}
    )
    assert response.headers["Location"] == "/login"
    assert store().get(mine.sid) is None


def test_someone_elses_session_cannot_be_ended(client):
    login_as(client, make_user("alice", password=None))
    theirs = other_session(make_user("bob", password=None))
    response = client.post(
        f"/account/sessions/{theirs.public_id}/end", data={"csrf_token": csrf(client)}
    )
    assert response.status_code == 404
    assert store().get(theirs.sid) is not None


def test_ending_needs_the_csrf_token(client):
    user = make_user("alice", password=None)
    login_as(client, user)
    phone = other_session(user)
    assert client.post(f"/account/sessions/{phone.public_id}/end").status_code == 400
    assert store().get(phone.sid) is not None


def test_sign_out_everywhere(client, ended):
    user = make_user("alice", password=None)
    mine = login_as(client, user)
    phone = other_session(user)
    theirs = other_session(make_user("bob", password=None))
    response = client.post("/account/sessions/end-all", data={"csrf_token": csrf(client)})
    assert response.headers["Location"] == "/login"
    assert store().get(mine.sid) is None and store().get(phone.sid) is None
    assert store().get(theirs.sid) is not None
    assert {s.public_id for s in ended} == {mine.public_id, phone.public_id}
    assert client.get_cookie("idp_sid") is None
    assert client.get("/account").status_code == 302


def test_lists_applications_signed_in_to(client):
    user = make_user("alice", password=None)
    session = login_as(client, user)
    session.clients = ["claims-tool", "eligibility-tool"]
    store().save(session)
    other_session(user, clients=["claims-tool"])
    page = client.get("/account").get_data(as_text=True)
    assert 'data-client="claims-tool"' in page and 'data-client="eligibility-tool"' in page
    assert re.search(
        r'data-client="claims-tool">\s*<td data-label="Application">claims-tool</td>'
        r'\s*<td data-label="Sessions using it">2</td>',
        page,
    )


@pytest.fixture
def receiver():
    with BackChannelReceiver() as rp:
        yield rp


def test_revoking_an_application_ends_its_grants_and_tells_it(app, client, receiver):
    clients = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
    clients.add(
        name="Outside Scheduler",
        client_id="outside",
        auth_method="none",
        redirect_uris=["https://rp.example/cb"],
        backchannel_logout_uri=receiver.url,
    )
    user = make_user("alice", password=None)
    session = login_as(client, user)
    session.clients = ["outside"]
    store().save(session)
    oauth_service().save_consent(user.id, "outside", ["openid", "email"])
    db.session.commit()

    page = client.get("/account").get_data(as_text=True)
    assert re.search(
        r'data-client="outside">\s*<td data-label="Application">Outside Scheduler</td>', page
    )
    assert "Revoke access" in page
    response = client.post(
        "/account/applications/outside/revoke", data={"csrf_token": csrf(client)}
    )
    assert response.status_code == 302
    assert list_grants(user.id) == []
    assert store().get(session.sid).clients == []
    assert len(receiver.tokens) == 1
    claims = minter().verify(receiver.tokens[0])
    assert claims["aud"] == "outside" and claims["sid"] == session.public_id
    assert [e.event for e in events("application.revoked", subject_id=user.id)] == [
        "application.revoked"
    ]
    assert 'data-client="outside"' not in client.get("/account").get_data(as_text=True)


def test_unknown_applications_cannot_be_revoked(client):
    login_as(client, make_user("alice", password=None))
    unknown = client.post(
        "/account/applications/never-used/revoke", data={"csrf_token": csrf(client)}
    )
    assert unknown.status_code == 404


def test_without_a_grants_directory_revoking_is_refused(app):
    user = make_user("alice", password=None)
    sessions = store()
    idle, absolute = session_limits(None)
    sessions.create(
        user.id, ["pwd"], idle_seconds=idle, absolute_seconds=absolute, clients=["tool"]
    )
    with pytest.raises(Conflict):
        service.revoke_application(sessions, user.id, "tool", service.ApplicationDirectory())


def test_client_address_comes_from_a_trusted_proxy_only(make_app, migrated):
    for hops, expected in ((0, "127.0.0.1"), (1, "203.0.113.5")):
        app = make_app(server_trusted_proxies=hops)
        app.config["WTF_CSRF_ENABLED"] = False
        with app.app_context():
            user = make_user()
            client = app.test_client()
            client.post(
                "/login",
                data={"username": user.username, "password": PASSWORD},
                headers={"X-Forwarded-For": "203.0.113.5"},
            )
            assert [s.ip for s in store().for_user(user.id)] == [expected]
