"""The idle-timeout warning: how long is left (asking is not activity), "stay signed in"
(which is), and a clear page once the session ended."""

from __future__ import annotations

from idp.login.current import store
from tests.factories import make_user
from tests.support.auth import login_as


def test_asking_does_not_touch_the_session_and_staying_does(app, client, clock):
    user = make_user("ivy")
    session = login_as(client, user)
    idle = session.idle_seconds
    clock.advance(idle - 60)
    for _ in range(3):
        answer = client.get("/login/session/idle").get_json()
        assert answer == {"signed_in": True, "remaining": 60, "idle_minutes": idle // 60}
    assert store().get(session.sid).last_seen == session.last_seen
    assert client.post("/login/session/stay").get_json()["signed_in"] is True
    assert client.get("/login/session/idle").get_json()["remaining"] == idle
    clock.advance(idle + 1)
    assert client.get("/login/session/idle").get_json() == {
        "signed_in": False,
        "remaining": 0,
        "idle_minutes": 0,
    }
    assert client.post("/login/session/stay").status_code == 401


def test_pages_of_a_signed_in_person_carry_the_warning(client, clock):
    page = client.get("/login").get_data(as_text=True)
    assert "idle-warning" not in page
    login_as(client, make_user("jay"))
    page = client.get("/account").get_data(as_text=True)
    assert 'id="idle-warning"' in page and "Stay signed in" in page and "idle.js" in page


def test_the_page_after_the_timeout_says_what_happened(client, clock):
    page = client.get("/login/signed-out?after=15").get_data(as_text=True)
    assert "You were signed out after 15 minutes without activity" in page
    page = client.get("/login/signed-out?after=junk").get_data(as_text=True)
    assert "after a time without activity" in page
