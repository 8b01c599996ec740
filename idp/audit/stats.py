"""Counting audit entries per hour (the console's overview charts).

One query: the entries of the named events from ``since`` for ``hours`` hours, grouped by
event and by hour (the hour's index from ``since``), zero-filled here. The hour index comes
from seconds since the epoch, the one expression that differs between SQLite and PostgreSQL
(:func:`_epoch_seconds`). The index on ``audit_events.at`` narrows the scan to the window.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, Integer, cast, func, select

from idp.audit.chain import events_table
from idp.extensions import db

HOUR = 3600


def _epoch_seconds(column, dialect: str):
    """Whole seconds since the epoch of a stored time (UTC), in the database's own SQL."""
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", column)), BigInteger)
    # SQLite keeps the time as text in UTC ("YYYY-MM-DD HH:MM:SS.ffffff"); its date functions
    # round to milliseconds (23:59:59.9999 would become the next day), so the fraction goes
    # first. strftime('%s') reads the text as UTC.
    return cast(func.strftime("%s", func.substr(column, 1, 19)), Integer)


def hour_start(moment: datetime) -> datetime:
    """The start of ``moment``'s hour, in UTC."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hourly_counts(events: Iterable[str], since: datetime, hours: int) -> dict[str, list[int]]:
    """Contract: for each name in ``events``, ``hours`` counts, oldest first: entry ``i``
    counts the entries with ``since + i h <= at < since + (i + 1) h`` (zero when none).
    ``since`` is an aware time on an hour boundary (:func:`hour_start`)."""
    names = sorted(set(events))
    counts = {name: [0] * hours for name in names}
    if not names or hours <= 0:
        return counts
    since = since.astimezone(UTC)
    c = events_table.c
    start = int(since.timestamp())
    hour = (_epoch_seconds(c.at, db.engine.dialect.name) - start) // HOUR
    window = (
        select(c.event, hour.label("hour"))
        .where(c.at >= since, c.at < since + timedelta(hours=hours), c.event.in_(names))
        .subquery()
    )
    query = select(window.c.event, window.c.hour, func.count()).group_by(
        window.c.event, window.c.hour
    )
    for name, index, count in db.session.execute(query):
        if 0 <= index < hours:
            counts[name][index] = count
    return counts
