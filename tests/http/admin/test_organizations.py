"""Organizations in the console: the queue with the duplicate TIN/NPI flag, details with
members, approve, reject with a reason (after a confirmation page), denials."""

from __future__ import annotations

import json

from idp.audit.service import events
from idp.extensions import db
from tests.factories import add_member, make_org, npi_with_check_digit
from tests.http.admin.support import cast, post, stale
from tests.http.orgs.helpers import make_person
from tests.support.auth import login_as


def _status(org):
    db.session.expire_all()
    return org.status


def test_queue_flags_a_tin_or_npi_already_registered(app):
    people = cast(app)
    rejected = make_org("Old Oak Clinic", status="rejected", tax_id="555000111")
    same_tin = make_org("New Oak Clinic", status="pending", tax_id="555000111")
    same_npi = make_org("Twin Pines", status="pending", npi=people.org.npi, tax_id="777000222")
    fresh = make_org("Fresh Start Care", status="pending", npi=npi_with_check_digit("987654321"))
    html = people.sec.get("/admin/organizations").data.decode()

    def row(org):
        start = html.index(f'id="org-{org.id}"')
        return html[start : html.index("</tr>", start)]

    assert "Already registered" in row(same_tin) and "this TIN" in row(same_tin)
    assert "Old Oak Clinic</a> (rejected)" in row(same_tin)
    assert "this NPI" in row(same_npi) and "Juniper Family Practice</a> (approved)" in row(same_npi)
    assert "Already registered" not in row(fresh)
    assert f'id="org-{rejected.id}"' not in html  # decided registrations leave the queue


def test_details_show_members_and_duplicates(app):
    people = cast(app)
    twin = make_org("Twin Practice", status="pending", tax_id=people.org.tax_id)
    html = people.sec.get(f"/admin/organizations/{people.org.id}").data.decode()
    assert "juniper.boss" in html and "Office administrator" in html
    assert "juniper.desk" in html and "Front desk" in html
    assert "Twin Practice" in html and twin.id in html
    assert people.sec.get("/admin/organizations/nope").status_code == 404


def test_details_show_when_each_member_is_due_for_the_access_review(app):
    from datetime import UTC, datetime

    from idp.orgs.models import Membership

    people = cast(app)
    start = datetime(2027, 1, 1, 12, tzinfo=UTC)
    db.session.execute(db.update(Membership).values(created_at=start))
    db.session.commit()
    html = people.sec.get(f"/admin/organizations/{people.org.id}").data.decode()
    assert "Access review due" in html
    assert html.count('<td class="review-due">2027-04-01</td>') == len(people.org.memberships) >= 2


def test_approve_and_reject_with_a_reason(app, mail):
    people = cast(app)
    org = make_org("Birch Care", status="pending")
    boss = make_person("birch.boss", email="boss@birch.test")
    add_member(boss, org, "office_admin")
    assert post(people.sec, f"/admin/organizations/{org.id}/approve").status_code == 200
    assert _status(org) == "approved"
    data = json.loads(events("admin.org.approved")[-1].data)
    assert data["before"] == {"status": "pending"} and data["after"] == {"status": "approved"}
    assert mail.wait_for("boss@birch.test")

    other = make_org("Elm Care", status="pending")
    page = people.sec.get(f"/admin/organizations/{other.id}/reject").data.decode()
    assert "Reason for rejecting" in page and "becomes rejected" in page
    response = post(people.sec, f"/admin/organizations/{other.id}/reject", {"reason": " "})
    assert response.status_code == 400 and _status(other) == "pending"
    reason = "The NPI belongs to another practice."
    post(people.sec, f"/admin/organizations/{other.id}/reject", {"reason": reason})
    assert _status(other) == "rejected"
    data = json.loads(events("admin.org.rejected")[-1].data)
    assert data["reason"] == reason and data["after"] == {"status": "rejected"}


def test_office_people_are_refused_and_nothing_changes(app):
    people = cast(app)
    org = make_org("Aspen Care", status="pending")
    for client in (people.office_admin, people.staff):
        assert client.get(f"/admin/organizations/{org.id}").status_code == 403
        assert post(client, f"/admin/organizations/{org.id}/approve").status_code == 403
        suspend = f"/admin/organizations/{people.org.id}/suspend"
        assert post(client, suspend, {"reason": "x"}).status_code == 403
    sec = app.test_client()
    stale(login_as(sec, make_person("old.sec", platform_role="security_admin")))
    response = post(sec, f"/admin/organizations/{org.id}/approve")
    assert response.status_code == 302 and "reauth=1" in response.headers["Location"]
    assert _status(org) == "pending" and _status(people.org) == "approved"
    assert [e for e in events() if e.event.startswith(("org.", "admin."))] == []


def test_reject_and_suspend_without_their_confirmation_only_ask(app):
    people = cast(app)
    pending = make_org("Unsure Care", status="pending")
    for org, action in ((pending, "reject"), (people.org, "suspend")):
        path = f"/admin/organizations/{org.id}/{action}"
        response = post(people.sec, path, {"reason": "Because"}, confirmed=False)
        assert response.status_code == 200 and b"What will happen" in response.data
    assert _status(pending) == "pending" and _status(people.org) == "approved"
