"""Filters as typed (idp.audit.filters), the reader's scope (access.audit_scope), and CSV
cells a spreadsheet would run neutralised (idp.audit.search)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from idp.accounts.fields import FieldErrors
from idp.audit.chain import app_key, seal
from idp.audit.filters import described, parse
from idp.audit.search import Filters, cell_value, export_csv, spreadsheet_safe
from idp.audit.service import record
from idp.errors import DomainError, Forbidden
from idp.extensions import db
from idp.orgs.access import audit_scope
from tests.factories import add_member, make_org
from tests.http.orgs.helpers import make_person


def test_parse_and_describe():
    filters = parse(
        {
            "since": "2026-12-01",
            "until": "2026-12-01",
            "event": "login.",
            "actor": " u1 ",
            "office": "o1",
            "outcome": "failure",
            "ignored": "x",
        }
    )
    assert filters.since == datetime(2026, 12, 1, tzinfo=UTC)
    assert filters.until == datetime(2026, 12, 2, tzinfo=UTC)  # the whole day
    assert (filters.event, filters.actor_id, filters.org_id) == ("login.", "u1", "o1")
    assert parse({"office": "o1"}, office=False) == Filters()
    assert parse({"since": "2026-12-01T08:30+02:00"}).since == datetime(
        2026, 12, 1, 6, 30, tzinfo=UTC
    )
    assert described(filters)["until"] == "2026-12-02T00:00:00.000000Z"
    assert described(Filters()) == {}


def test_every_bad_field_is_named():
    with pytest.raises(FieldErrors) as raised:
        parse(
            {"since": "soon", "outcome": "meh", "event": "A B", "ip": "1\x00", "client": "c" * 65}
        )
    assert set(raised.value.errors) == {"since", "outcome", "event", "ip", "client"}
    with pytest.raises(FieldErrors) as raised:
        parse({"since": "2026-12-02", "until": "2026-12-01"})
    assert set(raised.value.errors) == {"until"}


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+1", "'=1+1"),
        ("+33 1", "'+33 1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'quoted", "''quoted"),
        ("plain = text", "plain = text"),
        (None, ""),
        (7, "7"),
    ],
)
def test_spreadsheet_safe_is_reversible(value, cell):
    assert spreadsheet_safe(value) == cell
    assert cell_value(cell) == ("" if value is None else str(value))


def test_csv_export_neutralises_every_cell(app):
    record("login.failed", subject_id="u", user_agent="=cmd|'/c calc'!A1", ip="@evil")
    record("login.failed", subject_id="v", user_agent="-1+2")
    db.session.commit()
    seal(app_key(app))
    rows = list(csv.reader(io.StringIO("".join(export_csv(Filters())))))
    header, *body = rows
    agents = [r[header.index("user_agent")] for r in body if r[0] == "entry"]
    assert agents == ["'=cmd|'/c calc'!A1", "'-1+2"]
    assert [r[header.index("ip")] for r in body][0] == "'@evil"
    for row in rows:
        assert not any(c[:1] in ("=", "+", "-", "@", "\t", "\r") for c in row)


def test_audit_scope(app):
    settings = app.config["IDP_SETTINGS"]
    org, other = make_org("A"), make_org("B")
    sec = make_person("scope.sec", platform_role="security_admin")
    boss, desk, both = make_person("scope.boss"), make_person("scope.desk"), make_person("two")
    add_member(boss, org, "office_admin")
    add_member(desk, org, "front_desk")
    add_member(both, org, "office_admin")
    add_member(both, other, "office_admin")
    assert audit_scope(settings, sec, None) is None
    assert audit_scope(settings, sec, other.id) == other.id
    assert audit_scope(settings, boss, org.id) == org.id
    assert audit_scope(settings, boss, None, own_office=True) == org.id
    for who, office in ((boss, None), (boss, other.id), (desk, org.id), (None, org.id)):
        with pytest.raises(Forbidden):
            audit_scope(settings, who, office)
    with pytest.raises(Forbidden):
        audit_scope(settings, desk, None, own_office=True)
    with pytest.raises(DomainError) as several:
        audit_scope(settings, both, None, own_office=True)
    assert several.value.field == "office"
