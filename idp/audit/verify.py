"""Checking the chain: the first edited, deleted, inserted or reordered entry, or none.

The walk goes in ``seq`` order from the start of the chain (position 1, or the checkpoint
of the last purge) and checks, for each entry: its position follows the one before
(a gap: deleted); its content still gives its hash (edited); it links to the hash of the
entry before (else: inserted, reordered or deleted, told apart by what it links to); a seal
at its position has a valid HMAC and names its hash (else the chain was rewritten). Every
chained entry must be covered by a seal (a pass chains and seals in one transaction), so
entries after the last seal were added behind the sealer's back.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from idp.audit.chain import GENESIS, entry_hash, events_table, key_id, seal_mac, seals_table
from idp.extensions import db


@dataclass(frozen=True)
class Report:
    ok: bool
    message: str
    checked: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    pending: int = 0


def _where(row: Any) -> str:
    return f"seq={row.seq} id={row.id}"


def checkpoint(conn: Connection) -> tuple[int, str]:
    """Where the chain starts: after the latest purge checkpoint, else at the beginning."""
    rows = conn.execute(
        select(events_table.c.data)
        .where(events_table.c.event == "audit.purged", events_table.c.seq.is_not(None))
        .order_by(events_table.c.seq.desc())
        .limit(1)
    ).all()
    if not rows:
        return 0, GENESIS
    data = json.loads(rows[0].data)
    return int(data["through_seq"]), str(data["through_hash"])


def _linked_to(conn: Connection, digest: str) -> Any:
    """The entry whose hash is ``digest`` (only on a broken link: a full scan is fine)."""
    return conn.execute(
        select(events_table.c.seq, events_table.c.id).where(events_table.c.hash == digest)
    ).first()


def _broken_link(conn: Connection, row: Any, prev: Any) -> str:
    target = _linked_to(conn, row.prev_hash or "")
    if target is None:
        return f"{_where(row)}: deleted: the entry it was chained after is missing"
    if prev is not None and target.seq > row.seq:
        return (
            f"{_where(row)}: reordered: it was chained after seq={target.seq} "
            f"id={target.id}, which now comes later"
        )
    if prev is not None and target.seq < prev.seq:
        return f"{_where(prev)}: inserted: not part of the chain (seq={row.seq} links past it)"
    return f"{_where(row)}: reordered: it does not link to the entry before it"


def _entries(conn: Connection, start: int) -> Iterator[Any]:
    result = conn.execution_options(yield_per=1000).execute(
        select(events_table).where(events_table.c.seq > start).order_by(events_table.c.seq)
    )
    yield from result


def verify(key: bytes) -> Report:
    """Walk the whole chain in one read-only transaction (a consistent snapshot on
    PostgreSQL)."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            return _walk(conn, key)


def _walk(conn: Connection, key: bytes) -> Report:
    seals = {s.seq: s for s in conn.execute(select(seals_table).order_by(seals_table.c.id)).all()}
    pending = conn.execute(
        select(db.func.count()).select_from(events_table).where(events_table.c.seq.is_(None))
    ).scalar_one()
    start, prev_hash = checkpoint(conn)
    prev, checked, last_sealed = None, 0, start
    for row in _entries(conn, start):
        expected = (prev.seq if prev is not None else start) + 1
        if row.seq != expected:
            missing = (
                f"seq={expected}" if row.seq == expected + 1 else (f"seq={expected}..{row.seq - 1}")
            )
            return Report(False, f"{missing}: deleted (missing before {_where(row)})", checked)
        if row.hash != entry_hash(row.prev_hash or "", row):
            return Report(
                False, f"{_where(row)}: edited: its content does not match its hash", checked
            )
        if row.prev_hash != prev_hash:
            return Report(False, _broken_link(conn, row, prev), checked)
        seal = seals.get(row.seq)
        if seal is not None:
            if seal.key_id != key_id(key):
                return Report(
                    False,
                    f"seal of seq={seal.seq}: made with another key (key id {seal.key_id})",
                    checked,
                )
            if not hmac.compare_digest(seal.mac, seal_mac(key, seal.seq, seal.hash, seal.at)):
                return Report(
                    False, f"seal of seq={seal.seq}: signature invalid (forged seal)", checked
                )
            if seal.hash != row.hash:
                return Report(
                    False,
                    f"{_where(row)}: rewritten: does not match its seal of {seal.at}",
                    checked,
                )
            last_sealed = row.seq
        prev, prev_hash, checked = row, row.hash, checked + 1
    head_seq = prev.seq if prev is not None else start
    if seals and max(seals) > head_seq:
        return Report(
            False,
            f"seq={head_seq + 1}: deleted: sealed entries up to seq={max(seals)} are missing",
            checked,
        )
    if head_seq > last_sealed:
        first = last_sealed + 1
        return Report(
            False,
            f"seq={first}: inserted: entries seq={first}..{head_seq} are not covered by any seal",
            checked,
        )
    return Report(
        True,
        f"audit chain intact: {checked} entries, head seq={head_seq} "
        f"hash={prev_hash}" + (f", {pending} waiting to be chained" if pending else ""),
        checked,
        head_seq,
        prev_hash,
        pending,
    )
