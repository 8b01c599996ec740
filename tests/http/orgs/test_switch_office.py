"""One person, two offices: switching the active office keeps the same sign-in."""

from __future__ import annotations

import json

from idp.audit.service import events
from idp.extensions import db
from idp.login.current import cookie_name, store
from tests.factories import add_member, make_org
from tests.http.orgs.helpers import make_person, signed_in_post
from tests.support.auth import login_as


def test_switching_office_without_signing_in_again(app, client):
    first = make_org("Elm Family Practice", tax_id="111222333")
    second = make_org("Fir Billing Services", tax_id="444555666")
    pat = make_person("pat")
    add_member(pat, first, "front_desk")
    add_member(pat, second, "office_admin")
    session = login_as(client, pat)
    assert session.active_org_id == first.id

    page = client.get("/").data.decode()
    assert 'id="office-switcher"' in page
    assert "Elm Family Practice" in page and "*****2333" in page and "Front desk" in page

    response = signed_in_post(client, "/switch-office", {"org_id": second.id})
    assert response.status_code == 302 and response.headers["Location"] == "/"

    # Same SSO session (same public id and authentication time), new active office; the
    # cookie gets a new id because what the session may do changed (no fixation).
    new_sid = client.get_cookie(cookie_name()).value
    assert new_sid != session.sid and store().get(session.sid) is None
    switched = store().get(new_sid)
    assert switched.public_id == session.public_id
    assert switched.active_org_id == second.id
    assert switched.auth_time == session.auth_time and switched.amr == ["pwd"]
    page = client.get("/").data.decode()
    assert "Fir Billing Services" in page and "*****5666" in page
    assert "Office administrator" in page
    # a confirmation once, and the header names the office on every page
    assert "You are now working for Fir Billing Services." in page
    assert "You are now working for" not in client.get("/").data.decode()
    account = client.get("/account").data.decode()
    assert 'class="working-for">Working for <strong>Fir Billing Services</strong>' in account

    recorded = events("org.switched")
    assert len(recorded) == 1
    assert recorded[0].actor_id == pat.id and recorded[0].org_id == second.id
    assert json.loads(recorded[0].data)["from_org_id"] == first.id


def test_switching_to_an_office_one_does_not_belong_to_is_refused(app, client):
    mine, theirs = make_org("Mine"), make_org("Theirs")
    pending = make_org("Pending One", status="pending")
    user = make_person("solo")
    add_member(user, mine, "billing")
    add_member(user, pending, "office_admin")
    session = login_as(client, user)
    page = client.get("/").data.decode()
    assert 'id="office-switcher"' not in page  # only one approved office
    for org_id in (theirs.id, pending.id, "no-such-org"):
        response = signed_in_post(client, "/switch-office", {"org_id": org_id})
        assert response.status_code == 403
    assert store().get(session.sid).active_org_id == mine.id
    assert events("org.switched") == []


def test_an_office_with_a_shorter_idle_limit_applies_after_switching(app, client):
    relaxed = make_org("Relaxed")
    strict = make_org("Strict", session_idle_minutes=5)
    user = make_person("twohats")
    add_member(user, relaxed, "billing")
    add_member(user, strict, "billing")
    session = login_as(client, user)
    assert session.idle_seconds == 15 * 60
    signed_in_post(client, "/switch-office", {"org_id": strict.id})
    after = store().get(client.get_cookie(cookie_name()).value)
    assert after.idle_seconds == 5 * 60 and after.expires_at <= session.expires_at


def test_landing_in_another_office_on_the_dashboard_applies_its_limits(app, client):
    first = make_org("Suspended Soon")
    strict = make_org("Strict", session_idle_minutes=5)
    user = make_person("lander")
    add_member(user, first, "billing")
    add_member(user, strict, "billing")
    session = login_as(client, user)
    assert session.active_org_id == first.id and session.idle_seconds == 15 * 60
    first.status = "suspended"  # no membership changes: the dashboard finds the office gone
    db.session.commit()
    page = client.get("/").data.decode()
    assert "Strict" in page
    landed = store().get(client.get_cookie(cookie_name()).value)
    assert landed.active_org_id == strict.id and landed.idle_seconds == 5 * 60
