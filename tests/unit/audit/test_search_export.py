"""Search with filters and an office scope, streamed exports with the chain proof, the
request context on entries, and the ``idp audit`` commands."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from idp.audit.chain import GENESIS, app_key, entry_hash, seal
from idp.audit.cli import cli
from idp.audit.models import AuditEvent
from idp.audit.search import Filters, export_csv, export_jsonl, query
from idp.audit.service import record
from idp.common.clock import utcnow
from idp.extensions import db


@pytest.fixture
def entries(app):
    record("login.failed", subject_id="u1", org_id="office-a", ip="203.0.113.1", reason="x")
    record("login.succeeded", actor_id="u1", subject_id="u1", org_id="office-a")
    record("oauth.token.issued", client_id="svc", grant_type="client_credentials")
    record("session.expired", subject_id="u2", org_id="office-b", reason="idle")
    db.session.commit()
    seal(app_key(app))


def events_of(page):
    return [e.event for e in page.items]


def test_filters_combine_and_results_come_newest_first(entries):
    assert events_of(query(Filters())) == [
        "session.expired",
        "oauth.token.issued",
        "login.succeeded",
        "login.failed",
    ]
    assert events_of(query(Filters(outcome="failure"))) == ["login.failed"]
    assert events_of(query(Filters(event="login."))) == ["login.succeeded", "login.failed"]
    assert events_of(query(Filters(client_id="svc"))) == ["oauth.token.issued"]
    assert events_of(query(Filters(ip="203.0.113.1", subject_id="u1"))) == ["login.failed"]
    assert events_of(query(Filters(actor_id="u1"))) == ["login.succeeded"]
    assert query(Filters(until=utcnow() - timedelta(hours=1))).items == []
    assert len(query(Filters(since=utcnow() - timedelta(hours=1))).items) == 4


def test_an_office_scope_shows_only_that_office(entries):
    assert events_of(query(Filters(), office_scope="office-b")) == ["session.expired"]
    # A filter naming another office cannot widen the scope.
    assert query(Filters(org_id="office-a"), office_scope="office-b").items == []


def test_pages(entries):
    first = query(Filters(), page=1, per_page=3)
    second = query(Filters(), page=2, per_page=3)
    assert first.has_next and not second.has_next
    assert len(first.items) == 3 and len(second.items) == 1


def test_jsonl_export_carries_a_proof_that_recomputes(entries):
    lines = [json.loads(line) for line in export_jsonl(Filters())]
    *rows, last = lines
    assert [r["seq"] for r in rows] == [1, 2, 3, 4]
    prev = GENESIS
    for r in rows:
        assert r["prev_hash"] == prev
        from types import SimpleNamespace

        from idp.audit.chain import HASHED, iso

        fields = SimpleNamespace(**{k: r[k] for k in HASHED})
        fields.at = __import__("datetime").datetime.fromisoformat(r["at"].replace("Z", "+00:00"))
        assert iso(fields.at) == r["at"]
        assert entry_hash(prev, fields) == r["hash"]
        prev = r["hash"]
    assert last["head"]["seq"] == 4 and last["head"]["hash"] == prev and last["head"]["mac"]


def test_csv_export_streams_rows_and_ends_with_the_seal(entries):
    chunks = export_csv(Filters(outcome="failure"))
    assert next(chunks).startswith("record,seq,id,at,event")
    table = list(csv.reader(io.StringIO("".join(chunks))))
    assert [r[0] for r in table] == ["entry", "seal"]
    assert table[0][4] == "login.failed" and table[1][1] == "4"


def test_entries_carry_the_request_context(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post(
        "/login",
        data={"username": "nobody", "password": "x" * 12},
        headers={"User-Agent": "Ctx/2"},
        environ_base={"REMOTE_ADDR": "192.0.2.44"},
    )
    rid = response.headers["X-Request-ID"]
    (entry,) = db.session.scalars(db.select(AuditEvent)).all()
    assert (entry.request_id, entry.user_agent, entry.ip) == (rid, "Ctx/2", "192.0.2.44")
    app.config["WTF_CSRF_ENABLED"] = True
    refused = client.post("/login", data={})  # refused by an earlier check: still named
    assert refused.status_code == 400 and len(refused.headers["X-Request-ID"]) == 32
    again = client.get("/login", headers={"X-Request-ID": "from-the-client"})
    assert again.headers["X-Request-ID"] != "from-the-client"  # no trusted proxy: ours


def test_a_trusted_proxy_names_the_request(make_app):
    app = make_app(server_trusted_proxies=1)
    response = app.test_client().get("/login", headers={"X-Request-ID": "lb-1234.abc"})
    assert response.headers["X-Request-ID"] == "lb-1234.abc"
    bad = app.test_client().get("/login", headers={"X-Request-ID": "bad id\x00"})
    assert bad.headers["X-Request-ID"] != "bad id\x00" and len(bad.headers["X-Request-ID"]) == 32


def test_cli_verify_search_export_purge(app, entries):
    runner = app.test_cli_runner()
    ok = runner.invoke(cli, ["verify"])
    assert ok.exit_code == 0 and "intact: 4 entries" in ok.output
    found = runner.invoke(cli, ["search", "--event", "login.", "--json"])
    assert [i["event"] for i in json.loads(found.output)["items"]] == [
        "login.succeeded",
        "login.failed",
    ]
    text = runner.invoke(cli, ["search", "--office", "office-b"])
    assert "session.expired" in text.output and "login" not in text.output
    exported = runner.invoke(cli, ["export", "--format", "jsonl", "--outcome", "failure"])
    assert exported.exit_code == 0
    assert json.loads(exported.output.splitlines()[-1])["head"]["seq"] == 4
    assert runner.invoke(cli, ["export", "--format", "csv"]).output.startswith("record,")
    db.session.execute(db.update(AuditEvent).where(AuditEvent.seq == 2).values(data='{"x": 1}'))
    db.session.commit()
    broken = runner.invoke(cli, ["verify"])
    assert broken.exit_code == 1
    assert broken.output.strip().count("\n") == 0 and "seq=2" in broken.output
    assert "edited" in broken.output


def test_cli_purge_and_bad_input(app, entries):
    runner = app.test_cli_runner()
    db.session.execute(db.update(AuditEvent).values(at=utcnow() - timedelta(days=3000)))
    db.session.commit()
    purged = runner.invoke(cli, ["purge"])
    assert purged.exit_code == 0 and "purged 4 entries through seq=4" in purged.output
    assert runner.invoke(cli, ["verify"]).exit_code == 0
    bad = runner.invoke(cli, ["search", "--since", "yesterday"])
    assert bad.exit_code == 2 and "ISO date" in bad.output
    assert runner.invoke(cli, ["purge", "--days", "0"]).exit_code == 2


def test_cli_errors_are_one_line(make_app, tmp_path):
    broken = make_app(database_url=f"sqlite:///{tmp_path}/missing/dir/idp.sqlite")
    for args in (["verify"], ["seal"], ["search"], ["export"], ["purge"]):
        result = broken.test_cli_runner().invoke(cli, args)
        assert result.exit_code == 1, (args, result.output)
        assert result.output.startswith("Error: audit: database error:")
        assert result.output.strip().count("\n") == 0
