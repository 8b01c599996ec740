"""The hash chain: each entry's hash covers its content and the hash of the entry before.

Entries are written unchained in the transaction of what they record (an outbox), so the
hot path never waits for a chain-wide lock. A sealer pass (:func:`seal`) then, holding the
lock on the one ``audit_chain`` row (PostgreSQL row lock; SQLite's write lock, taken by
the pass's first statement, an UPDATE), takes the committed unchained entries in id order,
gives them the next positions (``seq``), links and hashes them, and writes an HMAC seal
over the new head, all in one transaction. The position is allocated at seal time, not at
insert time, so a transaction that commits late (an id lower than one already chained) is
simply chained by the next pass: nothing is skipped, and the chain order is the order of
sealing. Any number of instances may run passes at once; they take turns on the lock.

Why an HMAC: the key (``audit.seal_key``, else derived from ``core.secret_key``) lives
outside the database, so someone who can rewrite the tables (a stolen backup restored, a
database administrator, SQL injection) can recompute every sha256 but cannot make seals
that verify. Each pass also logs ``audit chain head seq=... hash=...`` so a copy of the head
lives in the log store as well (catches truncation of the newest entries with their seals).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from idp.audit.models import AuditChainHead, AuditEvent, AuditSeal
from idp.common.clock import utcnow
from idp.extensions import db

log = logging.getLogger("idp.audit")

GENESIS = "0" * 64
#: Entries chained per transaction (a pass runs as many as there are waiting).
BATCH = 2000
#: Entries hashed between two moments when the pass lets other threads of its process run
#: (:func:`_chain_batch`).
YIELD_EVERY = 50

events_table = cast(Table, AuditEvent.__table__)
seals_table = cast(Table, AuditSeal.__table__)
head_table = cast(Table, AuditChainHead.__table__)

#: The columns a hash covers, in this order (``seq`` is the position, not content).
HASHED = (
    "id",
    "at",
    "event",
    "actor_id",
    "subject_id",
    "org_id",
    "client_id",
    "ip",
    "user_agent",
    "outcome",
    "request_id",
    "data",
)


def iso(at: datetime) -> str:
    """One spelling of a time on every database (SQLite hands back naive UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(row: Any) -> str:
    return _canonical([getattr(row, name) for name in HASHED])


def _canonical(values: list[Any]) -> str:
    """``values`` in the order of :data:`HASHED`."""
    values[1] = iso(values[1])
    return json.dumps(values, separators=(",", ":"), ensure_ascii=True)


def entry_hash(prev_hash: str, row: Any) -> str:
    return _hash(prev_hash, canonical(row))


def _hash(prev_hash: str, canonical_text: str) -> str:
    return hashlib.sha256((prev_hash + "\n" + canonical_text).encode()).hexdigest()


def seal_key(settings: Any, secret_key: str) -> bytes:
    if settings.audit_seal_key:
        return settings.audit_seal_key.encode()
    return hmac.new(secret_key.encode(), b"idp audit seal key v1", hashlib.sha256).digest()


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


def seal_mac(key: bytes, seq: int, hash_: str, at: datetime) -> str:
    message = f"{seq}:{hash_}:{iso(at)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    chained: int = 0


class Busy(Exception):
    """Another pass holds the chain lock (only when asked not to wait for it)."""


def _lock_head(conn: Connection, now: datetime, wait: bool = True) -> Head:
    """Take the chain lock (first statement of the transaction) and read the head.

    ``wait=False`` (PostgreSQL): raise :class:`Busy` rather than queue behind another
    pass; that pass chains what this one would have. SQLite has one writer at a time
    anyway and always waits."""
    if not wait and conn.dialect.name == "postgresql":
        row = conn.execute(
            select(head_table.c.seq, head_table.c.hash)
            .where(head_table.c.id == 1)
            .with_for_update(skip_locked=True)
        ).one_or_none()
        if row is not None:
            return Head(row.seq, row.hash)
        if conn.execute(select(head_table.c.id).where(head_table.c.id == 1)).first():
            raise Busy
    locked = conn.execute(
        update(head_table).where(head_table.c.id == 1).values(updated_at=now)
    ).rowcount
    if not locked:
        conn.execute(head_table.insert().values(id=1, seq=0, hash=GENESIS, updated_at=now))
    row = conn.execute(select(head_table.c.seq, head_table.c.hash)).one()
    return Head(row.seq, row.hash)


#: PostgreSQL: one statement writes a whole batch's positions and hashes (an
#: ``executemany`` would be one statement per entry: most of a pass's time). The columns go
#: as comma-joined text (numbers and hex digests hold no comma): dumping four Python lists
#: as arrays cost more than the statement.
_PG_CHAIN_UPDATE = text(
    "UPDATE audit_events AS e SET seq = u.seq, prev_hash = u.prev_hash, hash = u.hash "
    "FROM unnest(CAST(string_to_array(:ids, ',') AS integer[]), "
    "CAST(string_to_array(:seqs, ',') AS bigint[]), string_to_array(:prevs, ','), "
    "string_to_array(:hashes, ',')) AS u(id, seq, prev_hash, hash) "
    "WHERE e.id = u.id"
)


def _write_positions(conn: Connection, updates: list[tuple[int, int, str, str]]) -> None:
    if conn.dialect.name == "postgresql":
        ids, seqs, prevs, hashes = (
            ",".join(map(str, column)) for column in zip(*updates, strict=True)
        )
        conn.execute(_PG_CHAIN_UPDATE, {"ids": ids, "seqs": seqs, "prevs": prevs, "hashes": hashes})
        return
    conn.execute(
        update(events_table)
        .where(events_table.c.id == bindparam("_id"))
        .values(seq=bindparam("_seq"), prev_hash=bindparam("_prev"), hash=bindparam("_hash")),
        [{"_id": i, "_seq": q, "_prev": p, "_hash": h} for i, q, p, h in updates],
    )


def _chain_batch(conn: Connection, head: Head, key: bytes, now: datetime) -> Head:
    rows = conn.execute(
        select(*(events_table.c[name] for name in HASHED))
        .where(events_table.c.seq.is_(None))
        .order_by(events_table.c.id)
        .limit(BATCH)
    ).all()
    if not rows:
        return head
    seq, prev, updates = head.seq, head.hash, []
    for n, row in enumerate(rows, 1):
        seq += 1
        digest = _hash(prev, _canonical(list(row)))
        updates.append((row.id, seq, prev, digest))
        prev = digest
        if n % YIELD_EVERY == 0:
            # A pass runs beside request threads of the same process: without a pause it
            # holds the interpreter lock for whole switch intervals, and every request
            # coming back from a database or Redis wait queues behind it.
            time.sleep(0)
    _write_positions(conn, updates)
    conn.execute(
        update(head_table).where(head_table.c.id == 1).values(seq=seq, hash=prev, updated_at=now)
    )
    conn.execute(
        seals_table.insert().values(
            seq=seq, hash=prev, at=now, key_id=key_id(key), mac=seal_mac(key, seq, prev, now)
        )
    )
    return Head(seq, prev, head.chained + len(rows))


def seal(
    key: bytes,
    *,
    before_commit: Callable[[Connection, Head], None] | None = None,
    wait: bool = True,
) -> Head:
    """Chain every committed unchained entry and seal the head; returns the head.

    ``before_commit(conn, head)`` runs inside the locked transaction of the first batch
    (the purge uses it to delete and checkpoint under the same lock). ``wait=False``: raise
    :class:`Busy` when another pass holds the lock at the start (the periodic pass of each
    process: one of them at a time is enough).
    """
    total = 0
    while True:
        for attempt in (1, 2):
            try:
                with db.engine.begin() as conn:
                    now = utcnow()
                    head = _lock_head(conn, now, wait)
                    if before_commit is not None:
                        before_commit(conn, head)
                    new = _chain_batch(conn, head, key, now)
                before_commit = None
                break
            except IntegrityError:
                # Two first passes inserted the head row at once; the loser tries again.
                if attempt == 2:
                    raise
        total += new.chained
        if new.chained:
            log.info("audit chain head seq=%d hash=%s", new.seq, new.hash)
        if new.chained < BATCH:
            return Head(new.seq, new.hash, total)


def app_key(app: Any) -> bytes:
    return seal_key(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
