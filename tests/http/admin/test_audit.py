"""The audit log in the console: filters, pages, one entry, streamed exports with the chain
proof; refused to everyone but security admins; reading it is itself audited."""

from __future__ import annotations

import types

import pytest

from idp.audit.chain import GENESIS, HASHED, entry_hash
from idp.audit.search import cell_value
from tests.factories import make_org
from tests.http.admin.support import cast
from tests.support.audit_log import FORMULA, csv_rows, entries, jsonl, last_data, seed


@pytest.fixture
def log(app):
    people = cast(app)
    other = make_org("Birch Clinic")
    seeded = seed(people.org, other, people.office_admin_user, people.staff_user)
    return people, other, seeded


def test_the_console_lists_entries_with_names_and_links(log):
    people, other, _ = log
    page = people.sec.get("/admin/audit")
    html = page.data.decode()
    assert page.status_code == 200
    for event in ("login.failed", "org.member.role_changed", "login.succeeded"):
        assert event in html
    # People and offices by name, linked to their pages.
    assert f'/admin/users/{people.staff_user.id}">Dana Desk</a>' in html
    assert f'/admin/organizations/{people.org.id}">Juniper Family Practice</a>' in html
    assert "Birch Clinic" in html
    # The console links it, and the catalogue feeds the event field.
    assert 'href="/admin/audit"' in people.sec.get("/admin").data.decode()
    assert '<option value="session.ended_by_admin">' in html


@pytest.mark.parametrize(
    "query, shown, hidden",
    [
        ("outcome=failure", ["login.failed"], ["org.member.role_changed", "login.succeeded"]),
        ("event=login.", ["login.failed", "login.succeeded"], ["org.member.role_changed"]),
        ("event=org.member.role_changed", ["org.member.role_changed"], ["login.failed"]),
        ("ip=198.51.100.1", ["login.succeeded"], ["login.failed"]),
        ("client=claims-batch", ["oauth.token.issued"], ["login.failed"]),
        ("since=2000-01-01&until=2000-12-31", [], ["login.failed", "login.succeeded"]),
    ],
)
def test_filters(log, query, shown, hidden):
    people, _, _ = log
    html = people.sec.get(f"/admin/audit?{query}").data.decode()
    table = html.split('id="audit-entries"')[1] if shown else html
    for event in shown:
        assert f">{event}</a>" in table
    for event in hidden:
        assert f">{event}</a>" not in html


def test_actor_subject_and_office_filters(log):
    people, other, _ = log
    html = people.sec.get(f"/admin/audit?actor={people.office_admin_user.id}").data.decode()
    assert ">org.member.role_changed</a>" in html and ">login.failed</a>" not in html
    html = people.sec.get(f"/admin/audit?office={other.id}").data.decode()
    assert ">login.succeeded</a>" in html and ">login.failed</a>" not in html
    html = people.sec.get(f"/admin/audit?subject={people.staff_user.id}").data.decode()
    assert ">login.failed</a>" in html and ">oauth.token.issued</a>" not in html


def test_pages_carry_the_filters(log):
    people, _, _ = log
    first = people.sec.get("/admin/audit?event=login.&page=1").data.decode()
    assert "Older entries" not in first  # two entries: one page
    from idp.audit.service import record
    from idp.extensions import db

    for _ in range(60):
        record("login.failed", subject_id=people.staff_user.id, reason="bad_password")
    db.session.commit()
    first = people.sec.get("/admin/audit?event=login.").data.decode()
    assert 'href="/admin/audit?page=2&amp;event=login."' in first
    second = people.sec.get("/admin/audit?event=login.&page=2").data.decode()
    assert second.count('<tr id="entry-') == 12 and "Newer entries" in second


@pytest.mark.parametrize(
    "query, field",
    [
        ("since=yesterday", "since"),
        ("until=2026-13-45", "until"),
        ("outcome=maybe", "outcome"),
        ("event=DROP%20TABLE", "event"),
        ("since=2026-12-02&until=2026-12-01", "until"),
        ("ip=" + "9" * 80, "ip"),
    ],
)
def test_bad_filters_are_a_form_error(log, query, field):
    people, _, _ = log
    page = people.sec.get(f"/admin/audit?{query}")
    assert page.status_code == 400
    html = page.data.decode()
    assert f'id="f-{field}-error"' in html and 'id="audit-entries"' not in html


def test_one_entry_shows_before_after_and_its_chain_position(log):
    people, _, _ = log
    (changed,) = entries("org.member.role_changed")
    page = people.sec.get(f"/admin/audit/entries/{changed.id}")
    html = page.data.decode()
    assert page.status_code == 200
    assert "front_desk" in html.split('id="audit-change"')[1]
    assert "billing" in html.split('id="audit-change"')[1]
    assert f'<dd id="chain-seq">{changed.seq}</dd>' in html and changed.hash in html
    assert "juniper.boss" in html or "Juniper" in html
    assert people.sec.get("/admin/audit/entries/999999").status_code == 404
    assert last_data("audit.viewed")["entry"] == changed.id


def test_only_security_admins(log):
    people, _, _ = log
    (entry,) = entries("login.failed")
    for client in (people.office_admin, people.staff):
        assert client.get("/admin/audit").status_code == 403
        assert client.get(f"/admin/audit?office={people.org.id}").status_code == 403
        assert client.get(f"/admin/audit/entries/{entry.id}").status_code == 403
        assert client.get("/admin/audit/export.csv").status_code == 403
    # A bad filter from someone who may not look is still a 403, not a form error.
    assert people.staff.get("/admin/audit?since=nope").status_code == 403
    assert entries("audit.exported") == []


def test_viewing_is_audited_with_the_filters(log):
    people, _, _ = log
    people.sec.get("/admin/audit?outcome=failure&event=login.")
    (viewed,) = entries("audit.viewed")
    assert viewed.actor_id == people.sec_user.id
    data = last_data("audit.viewed")
    assert data["filters"] == {"outcome": "failure", "event": "login."}
    assert data["via"] == "console" and data["page"] == 1


def _hash_ok(rows: list[dict]) -> None:
    prev = GENESIS
    for row in rows:
        assert row["prev_hash"] == prev
        fields = types.SimpleNamespace(**{k: row[k] for k in HASHED})
        from datetime import datetime

        fields.at = datetime.fromisoformat(row["at"].replace("Z", "+00:00"))
        assert entry_hash(prev, fields) == row["hash"]
        prev = row["hash"]


def test_jsonl_export_is_streamed_with_the_chain_proof(log):
    people, _, _ = log
    answer = people.sec.get("/admin/audit/export.jsonl")
    assert answer.status_code == 200 and answer.is_streamed
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    assert answer.mimetype == "application/jsonl"
    *rows, head = jsonl(answer.get_data(as_text=True))
    # Every entry, its own export entry among them, chained from the start.
    assert [r["event"] for r in rows][-1] == "audit.exported"
    _hash_ok(rows)
    assert head["head"]["seq"] == rows[-1]["seq"] and head["head"]["hash"] == rows[-1]["hash"]
    assert head["head"]["mac"]
    data = last_data("audit.exported")
    assert data["format"] == "jsonl" and data["filters"] == {} and data["via"] == "console"


def test_csv_export_carries_the_filters_and_neutralises_formulas(log):
    people, _, _ = log
    html = people.sec.get("/admin/audit?outcome=failure").data.decode()
    assert 'href="/admin/audit/export.csv?outcome=failure"' in html
    answer = people.sec.get("/admin/audit/export.csv?outcome=failure")
    assert answer.status_code == 200 and answer.is_streamed
    assert answer.mimetype == "text/csv"
    table = csv_rows(answer.get_data(as_text=True))
    header, *body = table
    assert [r[0] for r in body] == ["entry", "seal"]
    ua = body[0][header.index("user_agent")]
    assert ua == "'" + FORMULA and cell_value(ua) == FORMULA
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)
    assert last_data("audit.exported")["filters"] == {"outcome": "failure"}


def test_a_bad_export_filter_is_400_and_exports_nothing(log):
    people, _, _ = log
    answer = people.sec.get("/admin/audit/export.csv?until=soon")
    assert answer.status_code == 400
    assert entries("audit.exported") == []
    assert people.sec.get("/admin/audit/export.xml").status_code == 404


def test_people_and_office_pages_link_their_entries(log):
    people, _, _ = log
    user_page = people.sec.get(f"/admin/users/{people.staff_user.id}").data.decode()
    assert f'href="/admin/audit?subject={people.staff_user.id}"' in user_page
    assert f'href="/admin/audit?actor={people.staff_user.id}"' in user_page
    org_page = people.sec.get(f"/admin/organizations/{people.org.id}").data.decode()
    assert f'href="/admin/audit?office={people.org.id}"' in org_page
