"""Users in the console: search, details, and every action with its confirmation,
audit record, step-up and denials."""

from __future__ import annotations

import json

import pytest

from idp.accounts.models import User
from idp.audit.service import events
from idp.common.clock import FixedClock
from idp.extensions import db
from idp.login.current import SIGN_OUT_HOOKS, store
from idp.mfa.service import has_mfa
from tests.factories import add_member, make_org
from tests.http.admin.support import cast, post, stale
from tests.http.orgs.helpers import make_person
from tests.support.auth import login_as
from tests.support.signin import enroll_totp


@pytest.fixture
def people(app):
    return cast(app)


@pytest.fixture
def ended():
    """Sessions the sign-out hooks were called with (back-channel logout goes there)."""
    seen: list = []
    SIGN_OUT_HOOKS.append(seen.append)
    yield seen
    SIGN_OUT_HOOKS.remove(seen.append)


def _user(user_id):
    db.session.expire_all()
    return db.session.get(User, user_id)


def _last(event):
    found = events(event)
    assert found, f"no {event} event"
    return found[-1], json.loads(found[-1].data)


def test_search_by_name_username_email_office_and_npi(app, people):
    other = make_org("Cedar Lane Pediatrics", npi="1234567893")
    cedar = make_person("cedar.nurse", display_name="Casey Nurse", email="casey@cedar.test")
    add_member(cedar, other, "clinician")

    def found(q):
        html = people.sec.get("/admin/users", query_string={"q": q}).data.decode()
        return "cedar.nurse" in html

    for query in ("Casey", "cedar.nu", "casey@cedar", "Cedar Lane", "1234567893"):
        assert found(query), query
    assert not found("nobody-like-this")
    assert not found("123456789")  # an NPI matches whole, not in part
    assert not found("%")  # LIKE wildcards are literal


def test_search_is_paginated(app, people):
    for n in range(30):
        make_person(f"bulk{n:02d}", email=f"bulk{n:02d}@many.test")
    first = people.sec.get("/admin/users?q=many.test").data.decode()
    assert "30 people found" in first and "page 1 of 2" in first
    assert first.count("@many.test</td>") == 25 and 'rel="next"' in first
    second = people.sec.get("/admin/users?q=many.test&page=2").data.decode()
    assert second.count("@many.test</td>") == 5 and 'rel="prev"' in second
    assert people.sec.get("/admin/users?page=junk").status_code == 200


def test_filter_by_status(app, people):
    make_person("frozen.one", status="locked")
    html = people.sec.get("/admin/users?status=locked").data.decode()
    assert "frozen.one" in html and "juniper.desk" not in html and "1 person found" in html
    assert people.sec.get("/admin/users?status=bogus").status_code == 400


def test_user_page_shows_status_last_sign_in_mfa_and_memberships(app, people):
    clock = FixedClock()
    enroll_totp(people.staff_user, clock)
    people.staff_user.last_sign_in_at = clock.now()
    db.session.commit()
    html = people.sec.get(f"/admin/users/{people.staff_user.id}").data.decode()
    assert '<dd id="user-status">active</dd>' in html
    assert clock.now().strftime("%Y-%m-%d %H:%M") in html
    assert '<dd id="mfa-totp">yes</dd>' in html and '<dd id="mfa-recovery">10</dd>' in html
    assert "Juniper Family Practice" in html and "Front desk" in html
    assert people.sec.get("/admin/users/not-a-user").status_code == 404


def test_lock_asks_first_then_locks_ends_sessions_and_mails_an_unlock_link(
    app, people, mail, ended
):
    target = people.staff_user
    path = f"/admin/users/{target.id}/lock"
    page = people.sec.get(path).data.decode()
    assert "Every session of Dana Desk ends now" in page and "unlock" in page
    assert _user(target.id).status == "active"

    response = post(people.sec, path)
    assert response.status_code == 302
    assert _user(target.id).status == "locked"
    assert people.staff.get("/").status_code == 302  # signed out
    assert [s.user_id for s in ended] == [target.id]
    assert "/login/unlock/" in mail.text(mail.wait_for(target.email)[-1])
    event, data = _last("admin.user.locked")
    assert event.actor_id == people.sec_user.id and event.subject_id == target.id
    assert data["before"] == {"status": "active"} and data["after"] == {"status": "locked"}
    assert post(people.sec, path).status_code == 409


def test_unlock(app, people):
    target = make_person("was.locked", status="locked")
    response = post(people.sec, f"/admin/users/{target.id}/unlock")
    assert response.status_code == 302
    assert _user(target.id).status == "active"
    _, data = _last("admin.user.unlocked")
    assert data["before"] == {"status": "locked"} and data["after"] == {"status": "active"}
    assert post(people.sec, f"/admin/users/{target.id}/unlock").status_code == 400


def test_disable_ends_every_session_and_enable_restores(app, people, ended):
    target = people.staff_user
    second = app.test_client()
    login_as(second, target)
    path = f"/admin/users/{target.id}/disable"
    assert "refresh tokens are refused" in people.sec.get(path).data.decode()
    assert post(people.sec, path).status_code == 302
    assert _user(target.id).status == "disabled"
    assert store().for_user(target.id) == [] and len(ended) == 2
    assert people.staff.get("/").status_code == 302
    _, data = _last("admin.user.disabled")
    assert data["before"] == {"status": "active"} and data["after"] == {"status": "disabled"}

    assert post(people.sec, f"/admin/users/{target.id}/enable").status_code == 302
    assert _user(target.id).status == "active"
    _, data = _last("admin.user.enabled")
    assert data["before"] == {"status": "disabled"} and data["after"] == {"status": "active"}


def test_reset_mfa(app, people, mail, ended):
    """And every session of the person ends: a reset usually follows a lost device."""
    target = people.staff_user
    enroll_totp(target, FixedClock())
    second = app.test_client()
    login_as(second, target)
    path = f"/admin/users/{target.id}/reset-mfa"
    page = people.sec.get(path).data.decode()
    assert "every recovery code are removed" in page and "Every session of" in page
    assert post(people.sec, path).status_code == 302
    assert not has_mfa(_user(target.id))
    assert store().for_user(target.id) == [] and len(ended) == 2
    assert people.staff.get("/").status_code == 302 and second.get("/").status_code == 302
    assert people.sec.get("/admin/users").status_code == 200  # the admin's own session stays
    _, data = _last("admin.user.mfa_reset")
    assert data["before"] == {"totp": True, "recovery_codes": 10}
    assert data["after"] == {"totp": False, "recovery_codes": 0}
    _, reset = _last("mfa.reset")
    assert reset["sessions_ended"] == 2
    assert mail.wait_for(target.email)
    # Nothing left to reset: a clear refusal.
    assert post(people.sec, path).status_code == 400


def test_send_password_reset_link(app, people, mail):
    target = people.staff_user
    response = post(people.sec, f"/admin/users/{target.id}/password-reset")
    assert response.status_code == 302
    assert "/login/reset-password/" in mail.text(mail.wait_for(target.email)[-1])
    event, data = _last("admin.user.password_reset_sent")
    assert event.subject_id == target.id and data["after"] == {"reset_link_sent_to": target.email}


def test_sign_out_everywhere_runs_the_sign_out_hooks(app, people, ended):
    target = people.staff_user
    login_as(app.test_client(), target)
    path = f"/admin/users/{target.id}/sign-out-everywhere"
    assert "back-channel logout" in people.sec.get(path).data.decode()
    assert post(people.sec, path).status_code == 302
    assert store().for_user(target.id) == [] and len(ended) == 2
    _, data = _last("admin.user.signed_out_everywhere")
    assert data["before"] == {"sessions": 2} and data["after"] == {"sessions": 0}
    assert people.staff.get("/").status_code == 302


def test_an_admin_cannot_lock_disable_or_sign_out_themselves(app, people):
    me = people.sec_user.id
    for action in ("lock", "disable", "sign-out-everywhere"):
        assert post(people.sec, f"/admin/users/{me}/{action}").status_code == 409
    assert _user(me).status == "active"


def test_unknown_action_or_person_is_404(app, people):
    assert post(people.sec, f"/admin/users/{people.staff_user.id}/delete").status_code == 404
    nobody = "00000000-0000-0000-0000-000000000000"
    assert post(people.sec, f"/admin/users/{nobody}/lock").status_code == 404


ACTIONS = ("lock", "unlock", "disable", "enable", "reset-mfa", "password-reset")


@pytest.mark.parametrize("action", [*ACTIONS, "sign-out-everywhere"])
def test_office_people_are_refused_and_nothing_changes(app, people, mail, action):
    target = make_person("bystander")
    enroll_totp(target, FixedClock())
    login_as(app.test_client(), target)
    for client in (people.office_admin, people.staff):
        assert client.get(f"/admin/users/{target.id}/{action}").status_code == 403
        assert post(client, f"/admin/users/{target.id}/{action}").status_code == 403
    after = _user(target.id)
    assert after.status == "active" and has_mfa(after)
    assert len(store().for_user(target.id)) == 1
    assert [e for e in events() if e.event.startswith("admin.")] == []
    assert mail.to(target.email) == []


def test_actions_need_a_fresh_sign_in(app, people):
    sec = app.test_client()
    session = login_as(sec, make_person("sleepy.sec", platform_role="security_admin"))
    stale(session)
    target = people.staff_user
    page = sec.get(f"/admin/users/{target.id}/disable")
    assert page.status_code == 302 and "reauth=1" in page.headers["Location"]
    response = post(sec, f"/admin/users/{target.id}/disable")
    assert response.status_code == 302 and "reauth=1" in response.headers["Location"]
    assert _user(target.id).status == "active"
    # Reading is fine without a fresh sign-in.
    assert sec.get(f"/admin/users/{target.id}").status_code == 200


def test_forms_need_the_csrf_token(app, people):
    app.config["WTF_CSRF_ENABLED"] = True
    target = people.staff_user
    response = people.sec.post(f"/admin/users/{target.id}/disable", data={})
    assert response.status_code == 400
    assert _user(target.id).status == "active"


DESTRUCTIVE = ("lock", "disable", "reset-mfa", "sign-out-everywhere")


@pytest.mark.parametrize("action", DESTRUCTIVE)
def test_a_destructive_post_without_its_confirmation_only_asks(app, people, action):
    target = people.staff_user
    enroll_totp(target, FixedClock())
    response = post(people.sec, f"/admin/users/{target.id}/{action}", confirmed=False)
    assert response.status_code == 200
    assert b"What will happen" in response.data and b'name="confirmed" value="yes"' in response.data
    after = _user(target.id)
    assert after.status == "active" and has_mfa(after)
    assert len(store().for_user(target.id)) == 1
    assert [e for e in events() if e.event.startswith("admin.")] == []
