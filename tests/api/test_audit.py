"""The audit log over the API: filters as query parameters, pages with links, problem
details for bad ones, streamed exports with the chain proof; security admins see every
office, office administrators only theirs, everyone else is refused."""

from __future__ import annotations

from idp.audit.search import cell_value
from tests.api.support import API, admin_client, bearer, people, person_token
from tests.support.audit_log import FORMULA, csv_rows, entries, jsonl, last_data, seed


def _seeded():
    p = people()
    seed(p.org, p.other_org, p.boss, p.desk)
    return p


def _events(answer) -> list[str]:
    return [item["event"] for item in answer.get_json()["items"]]


def test_a_security_admin_searches_every_office_with_filters(client):
    p = _seeded()
    auth = bearer(person_token(p.sec))
    answer = client.get(f"{API}/audit/events", headers=auth)
    assert answer.status_code == 200
    assert set(_events(answer)) >= {"login.failed", "login.succeeded", "oauth.token.issued"}
    item = next(i for i in answer.get_json()["items"] if i["event"] == "org.member.role_changed")
    assert item["data"]["before"] == {"role": "front_desk"} and item["seq"] and item["hash"]
    assert item["subject_name"] == "Dana Desk"
    assert item["office_name"] == "Juniper Family Practice"
    failed = client.get(f"{API}/audit/events?outcome=failure&event=login.", headers=auth)
    assert _events(failed) == ["login.failed"]
    other = client.get(f"{API}/audit/events?office={p.other_org.id}", headers=auth)
    assert _events(other) == ["login.succeeded"]
    by_client = client.get(f"{API}/audit/events?client=claims-batch", headers=auth)
    assert _events(by_client) == ["oauth.token.issued"]
    assert _events(client.get(f"{API}/audit/events?since=2999-01-01", headers=auth)) == []
    viewed = entries("audit.viewed")[-1]
    assert viewed.actor_id == p.sec.id and last_data("audit.viewed")["via"] == "api"


def test_pages_have_links_that_carry_the_filters(client):
    p = _seeded()
    auth = bearer(person_token(p.sec))
    first = client.get(f"{API}/audit/events?per_page=1&event=login.", headers=auth)
    body = first.get_json()
    assert _events(first) == ["login.succeeded"] and body["prev"] is None
    assert body["next"].endswith("/audit/events?event=login.&page=2&per_page=1")
    assert 'rel="next"' in first.headers["Link"]
    second = client.get(body["next"], headers=auth)
    assert _events(second) == ["login.failed"]
    assert second.get_json()["next"] is None and second.get_json()["prev"]


def test_bad_parameters_are_problem_details(client):
    p = _seeded()
    auth = bearer(person_token(p.sec))
    for query, field in (
        ("since=last-week", "since"),
        ("outcome=maybe", "outcome"),
        ("per_page=500", "per_page"),
        ("page=0", "page"),
        ("event=Robert%27);DROP", "event"),
    ):
        answer = client.get(f"{API}/audit/events?{query}", headers=auth)
        assert answer.status_code == 400, query
        assert answer.mimetype == "application/problem+json"
        assert field in answer.get_json()["errors"], query
    bad = client.get(f"{API}/audit/export?format=xml", headers=auth)
    assert bad.status_code == 400 and "format" in bad.get_json()["errors"]
    assert entries("audit.exported") == []


def test_an_office_admin_sees_only_their_office(client):
    p = _seeded()
    auth = bearer(person_token(p.boss))
    mine = client.get(f"{API}/audit/events", headers=auth)
    assert mine.status_code == 200
    assert set(_events(mine)) == {"login.failed", "org.member.role_changed"}
    # Naming their own office is the same; another office is refused.
    named = client.get(f"{API}/audit/events?office={p.org.id}", headers=auth)
    # (the office's log holds the reading of it too)
    assert set(_events(named)) == {"audit.viewed", "login.failed", "org.member.role_changed"}
    theirs = client.get(f"{API}/audit/events?office={p.other_org.id}", headers=auth)
    assert theirs.status_code == 403 and theirs.mimetype == "application/problem+json"
    assert entries("audit.viewed")[-1].org_id == p.org.id
    export = client.get(f"{API}/audit/export?format=jsonl", headers=auth)
    *rows, head = jsonl(export.get_data(as_text=True))
    assert {r["org_id"] for r in rows} == {p.org.id} and head["head"]["mac"]


def test_staff_and_clients_without_the_scope_are_refused(client):
    p = _seeded()
    staff = bearer(person_token(p.desk))
    assert client.get(f"{API}/audit/events", headers=staff).status_code == 403
    assert client.get(f"{API}/audit/export", headers=staff).status_code == 403
    assert client.get(f"{API}/audit/events?office={p.org.id}", headers=staff).status_code == 403
    narrow = bearer(admin_client(client, scopes=["admin.users.manage"]))
    answer = client.get(f"{API}/audit/events", headers=narrow)
    assert answer.status_code == 403 and answer.get_json()["code"] == "insufficient_scope"
    assert client.get(f"{API}/audit/events").status_code == 401
    assert entries("audit.viewed") == [] and entries("audit.exported") == []


def test_a_client_with_the_scope_exports_csv_streamed_and_neutralised(client):
    p = _seeded()
    auth = bearer(admin_client(client, scopes=["admin.audit.view"]))
    answer = client.get(f"{API}/audit/export?format=csv&office={p.org.id}", headers=auth)
    assert answer.status_code == 200 and answer.is_streamed
    assert answer.mimetype == "text/csv" and "attachment" in answer.headers["Content-Disposition"]
    header, *rows = csv_rows(answer.get_data(as_text=True))
    assert rows[-1][0] == "seal" and rows[-1][header.index("hash")]
    failed = next(r for r in rows if r[header.index("event")] == "login.failed")
    assert failed[header.index("user_agent")] == "'" + FORMULA
    assert cell_value(failed[header.index("user_agent")]) == FORMULA
    assert last_data("audit.exported") == {
        "filters": {"office": p.org.id},
        "format": "csv",
        "via": "api",
    }
