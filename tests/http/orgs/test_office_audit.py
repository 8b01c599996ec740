"""An office's own audit log: its administrators see that office's entries only, with the
same filters (no office field) and scoped exports; staff and other offices are refused."""

from __future__ import annotations

import pytest

from tests.factories import add_member, make_org
from tests.http.admin.support import cast
from tests.http.orgs.helpers import make_person
from tests.support.audit_log import csv_rows, entries, jsonl, last_data, seed
from tests.support.auth import login_as


@pytest.fixture
def log(app):
    people = cast(app)
    other = make_org("Birch Clinic")
    other_boss = make_person("birch.boss")
    add_member(other_boss, other, "office_admin")
    other_client = app.test_client()
    login_as(other_client, other_boss)
    seed(people.org, other, people.office_admin_user, people.staff_user)
    return people, other, other_client


def test_the_office_admin_sees_only_their_office(log):
    people, other, _ = log
    page = people.office_admin.get(f"/orgs/{people.org.id}/audit")
    html = page.data.decode()
    assert page.status_code == 200
    assert ">login.failed</a>" in html and ">org.member.role_changed</a>" in html
    assert ">login.succeeded</a>" not in html and ">oauth.token.issued</a>" not in html
    assert "Juniper Family Practice: audit log" in html and "Dana Desk" in html
    assert 'name="office"' not in html  # the office is the page's own
    # The members page links it.
    members = people.office_admin.get(f"/orgs/{people.org.id}/members").data.decode()
    assert f'href="/orgs/{people.org.id}/audit"' in members
    data = last_data("audit.viewed")
    assert data["via"] == "office" and entries("audit.viewed")[-1].org_id == people.org.id


def test_an_office_filter_cannot_widen_the_scope(log):
    people, other, _ = log
    html = people.office_admin.get(f"/orgs/{people.org.id}/audit?office={other.id}").data.decode()
    assert ">login.failed</a>" in html and ">login.succeeded</a>" not in html
    html = people.office_admin.get(f"/orgs/{people.org.id}/audit?outcome=failure").data.decode()
    assert ">login.failed</a>" in html and ">org.member.role_changed</a>" not in html


def test_staff_and_other_offices_are_refused(log):
    people, other, other_client = log
    base = f"/orgs/{people.org.id}/audit"
    (entry,) = entries("login.failed")
    for client in (people.staff, other_client):
        assert client.get(base).status_code == 403
        assert client.get(f"{base}/export.csv").status_code == 403
        assert client.get(f"{base}/entries/{entry.id}").status_code == 403
    assert people.office_admin.get("/orgs/no-such-office/audit").status_code == 403
    # Another office's entry through this office's page: not found here.
    (theirs,) = entries("login.succeeded")
    assert people.office_admin.get(f"{base}/entries/{theirs.id}").status_code == 404
    assert people.office_admin.get(f"{base}/entries/{entry.id}").status_code == 200
    assert people.office_admin.get(f"{base}?since=whenever").status_code == 400
    assert entries("audit.exported") == []


def test_exports_are_scoped_streamed_and_proven(log):
    people, other, _ = log
    base = f"/orgs/{people.org.id}/audit"
    answer = people.office_admin.get(f"{base}/export.jsonl")
    assert answer.status_code == 200 and answer.is_streamed
    assert "attachment" in answer.headers["Content-Disposition"]
    *rows, head = jsonl(answer.get_data(as_text=True))
    assert {r["org_id"] for r in rows} == {people.org.id}
    assert "login.succeeded" not in {r["event"] for r in rows}
    assert "audit.exported" in {r["event"] for r in rows}  # its own entry is the office's
    assert head["head"]["mac"] and all(r["hash"] and r["prev_hash"] for r in rows)
    table = csv_rows(people.office_admin.get(f"{base}/export.csv?event=login.").get_data(True))
    assert [r[0] for r in table[1:]] == ["entry", "seal"]
    exported = entries("audit.exported")
    assert [e.org_id for e in exported] == [people.org.id, people.org.id]
    assert last_data("audit.exported") == {
        "filters": {"event": "login."},
        "format": "csv",
        "via": "office",
    }
