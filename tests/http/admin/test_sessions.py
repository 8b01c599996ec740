"""A person's sessions in the console: listed with device, IP, times and office; one ends."""

from __future__ import annotations

import json

from idp.audit.service import events
from idp.login.current import SIGN_OUT_HOOKS, store
from tests.http.admin.support import cast, post, stale
from tests.http.orgs.helpers import make_person
from tests.support.auth import login_as

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0"


def test_list_and_end_one_session(app):
    people = cast(app)
    target = people.staff_user
    other = login_as(app.test_client(), target)
    # A session with a device and an address, as a real sign-in makes.
    session = next(s for s in store().for_user(target.id) if s.public_id != other.public_id)
    session.user_agent, session.ip = FIREFOX, "203.0.113.7"
    store().save(session)

    html = people.sec.get(f"/admin/users/{target.id}/sessions").data.decode()
    assert "Firefox on Windows" in html and "203.0.113.7" in html
    assert "Juniper Family Practice" in html
    assert html.count("End…") == 2

    seen: list = []
    SIGN_OUT_HOOKS.append(seen.append)
    try:
        path = f"/admin/users/{target.id}/sessions/{session.public_id}/end"
        page = people.sec.get(path).data.decode()
        assert "Firefox on Windows from 203.0.113.7" in page and "back-channel" in page
        assert post(people.sec, path).status_code == 302
    finally:
        SIGN_OUT_HOOKS.remove(seen.append)
    assert [s.public_id for s in seen] == [session.public_id]
    assert [s.public_id for s in store().for_user(target.id)] == [other.public_id]
    data = json.loads(events("session.ended_by_admin")[-1].data)
    assert data["before"]["live"] is True and data["after"]["live"] is False
    # Ended already: a clear 404, nothing else touched.
    assert post(people.sec, path).status_code == 404
    assert len(store().for_user(target.id)) == 1


def test_sessions_are_refused_to_office_people_and_need_a_fresh_sign_in(app):
    people = cast(app)
    target = people.staff_user
    session = store().for_user(target.id)[0]
    path = f"/admin/users/{target.id}/sessions/{session.public_id}/end"
    for client in (people.office_admin, people.staff):
        assert client.get(f"/admin/users/{target.id}/sessions").status_code == 403
        assert post(client, path).status_code == 403
    sec = app.test_client()
    stale(login_as(sec, make_person("slow.sec", platform_role="security_admin")))
    response = post(sec, path)
    assert response.status_code == 302 and "reauth=1" in response.headers["Location"]
    assert len(store().for_user(target.id)) == 1
    assert events("session.ended_by_admin") == []


def test_ending_a_session_without_its_confirmation_only_asks(app):
    people = cast(app)
    target = people.staff_user
    session = store().for_user(target.id)[0]
    path = f"/admin/users/{target.id}/sessions/{session.public_id}/end"
    response = post(people.sec, path, confirmed=False)
    assert response.status_code == 200 and b"What will happen" in response.data
    assert len(store().for_user(target.id)) == 1
