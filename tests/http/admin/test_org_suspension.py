"""A security admin suspends an approved office (with a reason) and reinstates it."""

from __future__ import annotations

from idp.audit.service import events
from idp.extensions import db
from idp.orgs import access
from tests.factories import add_member, make_org
from tests.http.orgs.helpers import make_person, post_form
from tests.support.auth import login_as


def _post(client, path, data=None):
    """A console form post (the CSRF token from the console's landing page)."""
    return post_form(client, path, {"confirmed": "yes", **(data or {})}, page="/admin")


def test_suspend_and_reinstate(app, mail):
    org = make_org("Poplar Clinic")
    admin = make_person("poplar.admin", email="boss@poplar.test")
    desk = make_person("poplar.desk")
    add_member(admin, org, "office_admin")
    add_member(desk, org, "front_desk")
    sec = app.test_client()
    login_as(sec, make_person("sec", platform_role="security_admin"))
    staff = app.test_client()
    login_as(staff, desk)
    boss = app.test_client()
    login_as(boss, admin)
    assert b"Poplar Clinic" in sec.get("/admin/organizations").data
    settings = app.config["IDP_SETTINGS"]
    assert access.org_scopes(settings, desk.id, org.id)

    response = _post(sec, f"/admin/organizations/{org.id}/suspend", {"reason": ""})
    assert response.status_code == 400 and b"Enter the reason" in response.data
    db.session.expire_all()
    assert org.status == "approved"

    reason = "Billing irregularities under review."
    response = _post(sec, f"/admin/organizations/{org.id}/suspend", {"reason": reason})
    assert response.status_code == 200 and b"is suspended" in response.data
    db.session.expire_all()
    assert org.status == "suspended" and org.decision_reason == reason
    notice = mail.wait_for("boss@poplar.test")[-1]
    assert "suspended" in notice["Subject"] and reason in mail.text(notice)

    # Members keep their sign-in but cannot work for the office; tokens lose its scopes.
    page = staff.get("/").data.decode()
    assert "Office suspended" in page
    assert boss.get(f"/orgs/{org.id}/members").status_code == 403
    assert access.org_scopes(settings, desk.id, org.id) == frozenset()
    assert _post(sec, f"/admin/organizations/{org.id}/approve").status_code == 409

    response = _post(sec, f"/admin/organizations/{org.id}/reinstate")
    assert response.status_code == 200
    db.session.expire_all()
    assert org.status == "approved"
    assert "Poplar Clinic" in staff.get("/").data.decode()
    assert boss.get(f"/orgs/{org.id}/members").status_code == 200
    assert [e.event for e in events() if e.event.startswith("org.")][-2:] == [
        "org.suspended",
        "org.reinstated",
    ]


def test_unknown_action_is_404(app):
    org = make_org("Hazel")
    sec = app.test_client()
    login_as(sec, make_person("sec2", platform_role="security_admin"))
    assert _post(sec, f"/admin/organizations/{org.id}/delete").status_code == 404
    db.session.expire_all()
    assert org.status == "approved"
