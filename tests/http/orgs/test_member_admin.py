"""An office administrator's member operations over HTTP: the list, deactivate /
reactivate, an access end date, reset MFA, a password-reset link, remove; confirmation
pages, fresh sign-in, and the denials (another office, staff)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from idp.audit.service import events
from idp.common.clock import FixedClock, utcnow
from idp.extensions import db
from idp.login.current import store
from idp.mfa.store import has_mfa
from idp.orgs import effects
from idp.orgs.models import Invitation, Membership
from tests.factories import add_member, make_org
from tests.http.orgs.helpers import client_for, make_person, post_form, signed_in_post
from tests.support.signin import enroll_totp

NGINX = {"X-Original-URL": "https://tools.plan.test/claims", "X-Original-Method": "GET"}


@pytest.fixture
def settings_overrides():
    return {"gateway": {"routes": {"tools": {"hosts": ["tools.plan.test"]}}}}


@pytest.fixture
def clock(app):
    clock = FixedClock()
    app.extensions["idp_clock"] = clock
    return clock


def _base(office) -> str:
    return f"/orgs/{office['org'].id}/members"


def _member(office, key="desk_m") -> str:
    return f"{_base(office)}/{office[key].id}"


def _reload(membership) -> Membership | None:
    db.session.expire_all()
    return db.session.get(Membership, membership.id)


def _snapshot():
    db.session.expire_all()
    members = sorted(
        (m.id, m.role, m.status, str(m.access_ends_on), str(m.access_ended_at))
        for m in db.session.scalars(db.select(Membership))
    )
    invitations = sorted(
        (i.id, str(i.revoked_at), i.token_hash) for i in db.session.scalars(db.select(Invitation))
    )
    return members, invitations, len(events())


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_role_status_last_sign_in_and_mfa(app, offices, clock):
    alder = offices["alder"]
    alder["desk"].last_sign_in_at = datetime(2026, 11, 30, 8, 15, tzinfo=UTC)
    db.session.commit()
    enroll_totp(alder["desk"], clock)
    gone = make_person("alder.gone", display_name="Gone Person")
    gone_m = add_member(gone, alder["org"], "billing")
    gone_m.status = "deactivated"
    temp = make_person("alder.temp", display_name="Temp Person")
    temp_m = add_member(temp, alder["org"], "clinician")
    temp_m.access_ends_on = date(2999, 1, 31)
    past = make_person("alder.past", display_name="Past Person")
    past_m = add_member(past, alder["org"], "clinician")
    past_m.access_ends_on = date(2001, 1, 31)
    db.session.commit()

    page = client_for(app, alder["admin"]).get(_base(alder)).data.decode()

    def row(membership) -> str:
        start = page.index(f'id="member-{membership.id}"')
        return page[start : page.index("</tr>", start)]

    desk = row(alder["desk_m"])
    assert "Front desk" in desk and "Active" in desk
    assert "2026-11-30 08:15 UTC" in desk and "Set up" in desk
    admin = row(alder["admin_m"])
    assert "Office administrator" in admin and "Never" in admin and "Not set up" in admin
    assert "Deactivated" in row(gone_m)
    assert "Access ends 2999-01-31" in row(temp_m)
    assert "Access ended 2001-01-31" in row(past_m)
    assert 'class="stack"' in page  # the narrow-screen layout (no sideways scroll at 390 px)
    # Another office's members are not listed.
    assert "Beech.Desk" not in page


def test_the_list_is_paginated(app, offices):
    alder = offices["alder"]
    for n in range(58):
        add_member(make_person(f"alder.p{n:02d}"), alder["org"], "billing")
    client = client_for(app, alder["admin"])
    first = client.get(_base(alder)).data.decode()
    second = client.get(f"{_base(alder)}?page=2").data.decode()
    assert first.count('id="member-') == 50 and "Page 1 of 2" in first and "60 members" in first
    assert second.count('id="member-') == 10 and 'rel="prev"' in second
    assert client.get(f"{_base(alder)}?page=99").data.decode().count('id="member-') == 10
    assert client.get(f"{_base(alder)}?page=-1").status_code == 200


def test_the_member_page_offers_each_action(app, offices, clock):
    alder = offices["alder"]
    enroll_totp(alder["desk"], clock)
    page = client_for(app, alder["admin"]).get(_member(alder)).data.decode()
    for action in ("role", "access-end", "password-reset", "reset-mfa", "deactivate", "remove"):
        assert f"{_member(alder)}/{action}" in page, action
    assert "Authenticator set up" in page


# --- deactivate / reactivate ----------------------------------------------------------------


def test_deactivating_ends_that_office_only_after_confirmation(app, offices):
    alder = offices["alder"]
    desk = alder["desk"]
    cedar = make_org("Cedar Clinic")
    add_member(desk, cedar, "billing")
    staff = client_for(app, desk)  # its session is in Alder, the older office
    assert staff.get("/forward-auth/nginx", headers=NGINX).headers["X-Auth-Office"] == (
        alder["org"].id
    )
    admin = client_for(app, alder["admin"])
    hooked: list[tuple[str, str]] = []
    effects.MEMBERSHIP_CHANGED_HOOKS.append(lambda u, o: hooked.append((u, o)))
    try:
        confirm = admin.get(f"{_member(alder)}/deactivate")
        assert confirm.status_code == 200
        assert b"refresh tokens for this office stop working" in confirm.data
        assert _reload(alder["desk_m"]).status == "active"  # the page changed nothing

        response = post_form(
            admin, f"{_member(alder)}/deactivate", {}, page=f"{_member(alder)}/deactivate"
        )
        assert response.status_code == 200 and b"deactivated in this office" in response.data
    finally:
        effects.MEMBERSHIP_CHANGED_HOOKS.pop()
    assert hooked == [(desk.id, alder["org"].id)]
    assert _reload(alder["desk_m"]).status == "deactivated"
    [event] = events("org.member.deactivated")
    assert event.actor_id == alder["admin"].id and event.subject_id == desk.id
    assert '"before": {"access_ends_on": null, "role": "front_desk", "status": "active"}' in (
        event.data
    )
    assert '"status": "deactivated"' in event.data

    # The person's session moves to their other office at its next request.
    dashboard = staff.get("/").data.decode()
    assert "Cedar Clinic" in dashboard and "Alder Clinic" not in dashboard
    assert staff.get("/forward-auth/nginx", headers=NGINX).headers["X-Auth-Office"] == cedar.id
    assert staff.get(_base(alder)).status_code == 403

    response = signed_in_post(admin, f"{_member(alder)}/reactivate")
    assert response.status_code == 200 and b"reactivated" in response.data
    assert _reload(alder["desk_m"]).status == "active"
    assert len(events("org.member.reactivated")) == 1


def test_a_person_with_no_other_office_is_told_their_access_ended(app, offices):
    alder = offices["alder"]
    staff = client_for(app, alder["desk"])
    signed_in_post(client_for(app, alder["admin"]), f"{_member(alder)}/deactivate")
    page = staff.get("/")
    assert page.status_code == 200 and b"No access to this office" in page.data
    assert staff.get("/forward-auth/nginx", headers=NGINX).headers.get("X-Auth-Office", "") == ""


def test_the_office_keeps_a_lasting_administrator(app, offices):
    alder = offices["alder"]
    admin = client_for(app, alder["admin"])
    me = _member(alder, "admin_m")
    soon = (utcnow() + timedelta(days=30)).date().isoformat()
    before = _snapshot()
    assert signed_in_post(admin, f"{me}/deactivate").status_code == 409
    response = signed_in_post(admin, f"{me}/access-end", {"access_ends_on": soon})
    assert response.status_code == 409 and b"at least one administrator" in response.data
    assert _snapshot() == before
    # With a second administrator both are allowed.
    second = make_person("alder.second")
    add_member(second, alder["org"], "office_admin")
    assert signed_in_post(admin, f"{me}/access-end", {"access_ends_on": soon}).status_code == 200
    assert _reload(alder["admin_m"]).access_ends_on == date.fromisoformat(soon)


# --- access end date ------------------------------------------------------------------------


def test_an_access_end_date_ahead_then_cleared(app, offices):
    alder = offices["alder"]
    admin = client_for(app, alder["admin"])
    ahead = (utcnow() + timedelta(days=30)).date().isoformat()
    response = signed_in_post(admin, f"{_member(alder)}/access-end", {"access_ends_on": ahead})
    assert response.status_code == 200 and f"Access ends {ahead}".encode() in response.data
    assert _reload(alder["desk_m"]).access_ends_on.isoformat() == ahead
    [event] = events("org.member.access_end_set")
    assert '"before": {"access_ends_on": null' in event.data
    assert f'"after": {{"access_ends_on": "{ahead}"' in event.data
    staff = client_for(app, alder["desk"])
    assert b"Alder Clinic" in staff.get("/").data  # still counts until then

    response = signed_in_post(admin, f"{_member(alder)}/access-end", {"clear": "1"})
    assert response.status_code == 200 and b"end date was removed" in response.data
    assert _reload(alder["desk_m"]).access_ends_on is None


@pytest.mark.parametrize("typed", ["31/12/2026", "2026-02-30", "tomorrow", "9999-12-31"])
def test_a_bad_end_date_is_refused_on_the_form(app, offices, typed):
    alder = offices["alder"]
    before = _snapshot()
    response = signed_in_post(
        client_for(app, alder["admin"]), f"{_member(alder)}/access-end", {"access_ends_on": typed}
    )
    assert response.status_code == 400 and b'id="access_ends_on-error"' in response.data
    assert _snapshot() == before


def test_a_date_in_the_past_ends_access_at_once_after_confirmation(app, offices):
    alder = offices["alder"]
    admin = client_for(app, alder["admin"])
    staff = client_for(app, alder["desk"])
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    before = _snapshot()
    page = signed_in_post(admin, f"{_member(alder)}/access-end", {"access_ends_on": yesterday})
    assert page.status_code == 200 and b"ends at once" in page.data
    assert b'name="confirm" value="yes"' in page.data
    assert _snapshot() == before

    response = post_form(
        admin,
        f"{_member(alder)}/access-end",
        {"access_ends_on": yesterday, "confirm": "yes"},
        page=_member(alder),
    )
    assert response.status_code == 200 and b"Access ended" in response.data
    member = _reload(alder["desk_m"])
    assert member.access_ended_at is not None
    [ended] = events("membership.ended")
    assert ended.actor_id == alder["admin"].id and ended.subject_id == alder["desk"].id
    assert b"No access to this office" in staff.get("/").data


# --- reset MFA, password-reset link ---------------------------------------------------------


def test_resetting_a_members_mfa_after_confirmation(app, offices, clock, mail):
    alder = offices["alder"]
    enroll_totp(alder["desk"], clock)
    desk = client_for(app, alder["desk"])
    admin = client_for(app, alder["admin"])
    confirm = admin.get(f"{_member(alder)}/reset-mfa")
    assert confirm.status_code == 200 and b"recovery codes stop working" in confirm.data
    assert b"every session of theirs ends" in confirm.data
    assert has_mfa(alder["desk"]) and desk.get("/account").status_code == 200
    response = signed_in_post(admin, f"{_member(alder)}/reset-mfa")
    assert response.status_code == 200 and b"Two-step verification was reset" in response.data
    assert not has_mfa(alder["desk"])
    assert desk.get("/account").status_code == 302  # signed out: the device may be lost
    [event] = events("mfa.reset")
    assert event.actor_id == alder["admin"].id and event.subject_id == alder["desk"].id
    assert json.loads(event.data)["sessions_ended"] == 1
    assert "reset the two-step verification" in mail.text(mail.wait_for(alder["desk"].email)[0])
    # Nothing left to reset: a clear refusal on the member's page.
    again = signed_in_post(admin, f"{_member(alder)}/reset-mfa")
    assert again.status_code == 400 and b"no authenticator" in again.data


def test_sending_a_password_reset_link(app, offices, mail):
    alder = offices["alder"]
    hash_before = alder["desk"].password_hash
    response = signed_in_post(client_for(app, alder["admin"]), f"{_member(alder)}/password-reset")
    assert response.status_code == 200 and b"password-reset link was emailed" in response.data
    [message] = mail.wait_for(alder["desk"].email)
    assert "/login/reset-password/" in mail.text(message)
    [event] = events("org.member.password_reset_sent")
    assert event.actor_id == alder["admin"].id and event.org_id == alder["org"].id
    assert len(events("password.reset_requested")) == 1
    db.session.expire_all()
    assert _reload(alder["desk_m"]).user.password_hash == hash_before


# --- remove ---------------------------------------------------------------------------------


def test_removing_the_affiliation_keeps_the_persons_other_offices(app, offices):
    alder = offices["alder"]
    desk = alder["desk"]
    cedar = make_org("Cedar Clinic")
    kept = add_member(desk, cedar, "billing")
    admin = client_for(app, alder["admin"])
    confirm = admin.get(f"{_member(alder)}/remove")
    assert (
        confirm.status_code == 200 and b"keep their account and any other offices" in confirm.data
    )
    assert _reload(alder["desk_m"]) is not None
    response = signed_in_post(admin, f"{_member(alder)}/remove")
    assert response.status_code == 200 and b"removed from the office" in response.data
    assert _reload(alder["desk_m"]) is None
    assert _reload(kept) is not None
    page = client_for(app, desk).get("/").data.decode()
    assert "Cedar Clinic" in page and "Alder Clinic" not in page
    [event] = events("org.member.removed")
    assert '"after": null' in event.data and '"role": "front_desk"' in event.data


def test_revoking_an_invitation_asks_first(app, offices, mail):
    alder = offices["alder"]
    admin = client_for(app, alder["admin"])
    signed_in_post(
        admin, f"/orgs/{alder['org'].id}/invitations", {"email": "x@alder.test", "role": "billing"}
    )
    invitation = db.session.scalar(db.select(Invitation))
    path = f"/orgs/{alder['org'].id}/invitations/{invitation.id}/revoke"
    confirm = admin.get(path)
    assert confirm.status_code == 200 and b"stops working for good" in confirm.data
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).revoked_at is None
    assert signed_in_post(admin, path).status_code == 200
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).revoked_at is not None
    [event] = events("org.invitation.revoked")
    assert '"before": {"state": "pending"}' in event.data


# --- denials --------------------------------------------------------------------------------


def _operations(office) -> list[tuple[str, str, dict]]:
    member = _member(office)
    return [
        ("GET", _base(office), {}),
        ("GET", member, {}),
        ("GET", f"{member}/deactivate", {}),
        ("POST", f"{member}/deactivate", {}),
        ("POST", f"{member}/reactivate", {}),
        ("POST", f"{member}/access-end", {"access_ends_on": "2001-01-01", "confirm": "yes"}),
        ("POST", f"{member}/access-end", {"clear": "1"}),
        ("GET", f"{member}/reset-mfa", {}),
        ("POST", f"{member}/reset-mfa", {}),
        ("POST", f"{member}/password-reset", {}),
        ("GET", f"{member}/remove", {}),
        ("POST", f"{member}/remove", {}),
        ("POST", f"{member}/role", {"role": "office_admin"}),
        ("GET", f"/orgs/{office['org'].id}/invitations/bulk", {}),
        ("POST", f"/orgs/{office['org'].id}/invitations/bulk", {"rows": "spy@x.test,office_admin"}),
    ]


def _send(client, method, path, data):
    if method == "GET":
        return client.get(path)
    return signed_in_post(client, path, data)


def test_an_administrator_of_another_office_gets_403_and_nothing_changes(app, offices, clock, mail):
    alder, beech = offices["alder"], offices["beech"]
    enroll_totp(beech["desk"], clock)
    before = _snapshot()
    client = client_for(app, alder["admin"])
    for method, path, data in _operations(beech):
        response = _send(client, method, path, data)
        assert response.status_code == 403, (method, path)
    # Beech's member named under Alder's office is not found there.
    for action in ("deactivate", "reset-mfa", "password-reset", "remove"):
        path = f"{_base(alder)}/{beech['desk_m'].id}/{action}"
        assert signed_in_post(client, path).status_code == 404, path
    assert _snapshot() == before
    assert has_mfa(beech["desk"])
    assert mail.to(beech["desk"].email) == [] and mail.to("spy@x.test") == []


def test_staff_get_403_and_nothing_changes(app, offices, mail):
    alder = offices["alder"]
    colleague = make_person("alder.colleague")
    add_member(colleague, alder["org"], "billing")
    before = _snapshot()
    client = client_for(app, colleague)
    for method, path, data in _operations(alder):
        response = _send(client, method, path, data)
        assert response.status_code == 403, (method, path)
    assert _snapshot() == before
    assert mail.to(alder["desk"].email) == []


def test_without_a_fresh_sign_in_every_change_asks_to_sign_in_again(app, offices):
    alder = offices["alder"]
    client = app.test_client()
    from tests.support.auth import login_as

    session = login_as(client, alder["admin"])
    token_page = client.get(_base(alder))  # the list itself needs no fresh sign-in
    assert token_page.status_code == 200
    session.auth_time -= 24 * 3600
    store().save(session)
    before = _snapshot()
    for method, path, data in _operations(alder)[2:]:
        response = _send(client, method, path, data)
        assert response.status_code == 302, (method, path)
        assert "reauth=1" in response.headers["Location"], path
    assert _snapshot() == before


def test_a_post_without_a_csrf_token_is_refused(app, offices):
    alder = offices["alder"]
    client = client_for(app, alder["admin"])
    app.config["WTF_CSRF_ENABLED"] = True
    before = _snapshot()
    for action in ("deactivate", "remove", "reset-mfa", "password-reset", "access-end"):
        response = client.post(f"{_member(alder)}/{action}", data={"access_ends_on": "2001-01-01"})
        assert response.status_code == 400, action
    assert _snapshot() == before


def test_the_list_costs_the_same_queries_for_many_members(app, offices):
    """No query per row: a few hundred members stay one page of a handful of queries."""
    from sqlalchemy import event

    alder = offices["alder"]
    client = client_for(app, alder["admin"])
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def queries() -> int:
        db.session.expire_all()  # both runs load the signed-in person afresh
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(_base(alder)).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len([s for s in statements if "shared_state" not in s])

    few = queries()
    for n in range(60):
        add_member(make_person(f"alder.q{n:02d}"), alder["org"], "billing")
    assert queries() == few
