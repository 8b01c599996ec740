"""Finding and exporting entries. The console, the API and ``idp audit`` call these.

The office scope is a parameter: whoever calls decides (``idp.orgs.access``) whether the
reader sees everything (a security admin) or one office's entries (its administrator).
Exports stream (generators) in chain order, each line with its chain proof (seq,
prev_hash, hash: recompute the hash from the line's fields and the previous hash with
:func:`idp.audit.chain.entry_hash`), and end with the head and its seal.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from idp.audit.chain import HASHED, events_table, iso, seals_table
from idp.audit.models import AuditEvent
from idp.extensions import db

MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Filters:
    since: datetime | None = None
    until: datetime | None = None
    #: An exact name (``login.failed``) or a prefix ending in a dot (``session.``).
    event: str | None = None
    actor_id: str | None = None
    subject_id: str | None = None
    org_id: str | None = None
    client_id: str | None = None
    ip: str | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[AuditEvent]
    number: int
    per_page: int
    has_next: bool


def _filtered(query: Select, filters: Filters, office_scope: str | None) -> Select:
    c = events_table.c
    if filters.since is not None:
        query = query.where(c.at >= filters.since)
    if filters.until is not None:
        query = query.where(c.at < filters.until)
    if filters.event:
        if filters.event.endswith("."):
            query = query.where(c.event.startswith(filters.event, autoescape=True))
        else:
            query = query.where(c.event == filters.event)
    for name in ("actor_id", "subject_id", "org_id", "client_id", "ip", "outcome"):
        value = getattr(filters, name)
        if value:
            query = query.where(getattr(c, name) == value)
    if office_scope is not None:
        query = query.where(c.org_id == office_scope)
    return query


def query(
    filters: Filters,
    page: int = 1,
    per_page: int = 50,
    *,
    office_scope: str | None = None,
) -> Page:
    """Entries newest first. ``office_scope``: only that office's entries (an office
    administrator's view); None: all (the caller has checked the reader may see all)."""
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    stmt = _filtered(select(AuditEvent), filters, office_scope)
    stmt = stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    rows = list(db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page + 1)))
    return Page(rows[:per_page], page, per_page, len(rows) > per_page)


COLUMNS = ["seq", *HASHED, "prev_hash", "hash"]


def _as_dict(row: Any) -> dict[str, Any]:
    out = {name: getattr(row, name) for name in COLUMNS}
    out["at"] = iso(row.at)
    return out


def _chained(filters: Filters, office_scope: str | None) -> Iterator[dict[str, Any]]:
    stmt = _filtered(select(events_table), filters, office_scope)
    stmt = stmt.where(events_table.c.seq.is_not(None)).order_by(events_table.c.seq)
    with db.engine.connect() as conn:
        for row in conn.execution_options(yield_per=1000).execute(stmt):
            yield _as_dict(row)


def head_seal() -> dict[str, Any] | None:
    seal = db.session.execute(
        select(seals_table).order_by(seals_table.c.seq.desc(), seals_table.c.id.desc()).limit(1)
    ).first()
    if seal is None:
        return None
    return {
        "seq": seal.seq,
        "hash": seal.hash,
        "sealed_at": iso(seal.at),
        "key_id": seal.key_id,
        "mac": seal.mac,
    }


def export_jsonl(filters: Filters, *, office_scope: str | None = None) -> Iterator[str]:
    """One JSON object per line; the last line is ``{"head": {...seal...}}``."""
    for entry in _chained(filters, office_scope):
        yield json.dumps(entry, sort_keys=True) + "\n"
    yield json.dumps({"head": head_seal()}, sort_keys=True) + "\n"


#: What a spreadsheet reads as the start of a formula (OWASP "CSV injection"), and the
#: quote that neutralises it (so a cell starting with a quote gets one too: reversible).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def spreadsheet_safe(value: Any) -> str:
    """A cell that no spreadsheet runs: text starting with ``= + - @``, a tab, a carriage
    return or ``'`` gets a leading ``'``. :func:`cell_value` undoes it (for the proof)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def cell_value(cell: str) -> str:
    """The value a CSV cell of an export stands for (its leading ``'`` removed)."""
    return cell[1:] if cell.startswith("'") else cell


def export_csv(filters: Filters, *, office_scope: str | None = None) -> Iterator[str]:
    """CSV with a header; the last row has record ``seal`` (seq, hash, at, and the key id
    and MAC as JSON in ``data``). Every cell is :func:`spreadsheet_safe`: a value that a
    spreadsheet would run as a formula starts with ``'`` (strip it, :func:`cell_value`,
    before recomputing a hash)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(row: list[Any]) -> str:
        writer.writerow([spreadsheet_safe(v) for v in row])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(["record", *COLUMNS])
    for entry in _chained(filters, office_scope):
        yield line(["entry", *(entry[name] for name in COLUMNS)])
    seal = head_seal()
    if seal is not None:
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            seq=seal["seq"],
            hash=seal["hash"],
            at=seal["sealed_at"],
            data=json.dumps({"key_id": seal["key_id"], "mac": seal["mac"]}),
        )
        yield line(["seal", *(row[name] for name in COLUMNS)])


FILTER_NAMES = [f.name for f in fields(Filters)]
