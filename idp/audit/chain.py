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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from idp.audit.models import AuditChainHead, AuditEvent, AuditSeal
from idp.common.clock import utcnow
from idp.extensions import db

log = logging.getLogger("idp.audit")

GENESIS = "0" * 64
#: Entries chained per transaction (a pass runs as many as there are waiting).
BATCH = 2000

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
    values = [getattr(row, name) for name in HASHED]
    values[1] = iso(values[1])
    return json.dumps(values, separators=(",", ":"), ensure_ascii=True)


def entry_hash(prev_hash: str, row: Any) -> str:
    return hashlib.sha256((prev_hash + "\n" + canonical(row)).encode()).hexdigest()


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


def _lock_head(conn: Connection, now: datetime) -> Head:
    """Take the chain lock (first statement of the transaction) and read the head."""
    locked = conn.execute(
        update(head_table).where(head_table.c.id == 1).values(updated_at=now)
    ).rowcount
    if not locked:
        conn.execute(head_table.insert().values(id=1, seq=0, hash=GENESIS, updated_at=now))
    row = conn.execute(select(head_table.c.seq, head_table.c.hash)).one()
    return Head(row.seq, row.hash)


def _chain_batch(conn: Connection, head: Head, key: bytes, now: datetime) -> Head:
    rows = conn.execute(
        select(events_table)
        .where(events_table.c.seq.is_(None))
        .order_by(events_table.c.id)
        .limit(BATCH)
    ).all()
    if not rows:
        return head
    seq, prev, updates = head.seq, head.hash, []
    for row in rows:
        seq += 1
        digest = entry_hash(prev, row)
        updates.append({"_id": row.id, "_seq": seq, "_prev": prev, "_hash": digest})
        prev = digest
    conn.execute(
        update(events_table)
        .where(events_table.c.id == bindparam("_id"))
        .values(seq=bindparam("_seq"), prev_hash=bindparam("_prev"), hash=bindparam("_hash")),
        updates,
    )
    conn.execute(update(head_table).where(head_table.c.id == 1).values(seq=seq, hash=prev))
    conn.execute(
        seals_table.insert().values(
            seq=seq, hash=prev, at=now, key_id=key_id(key), mac=seal_mac(key, seq, prev, now)
        )
    )
    return Head(seq, prev, head.chained + len(rows))


def seal(key: bytes, *, before_commit: Callable[[Connection, Head], None] | None = None) -> Head:
    """Chain every committed unchained entry and seal the head; returns the head.

    ``before_commit(conn, head)`` runs inside the locked transaction of the first batch
    (the purge uses it to delete and checkpoint under the same lock).
    """
    total = 0
    while True:
        for attempt in (1, 2):
            try:
                with db.engine.begin() as conn:
                    now = utcnow()
                    head = _lock_head(conn, now)
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
