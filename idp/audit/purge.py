"""Retention: delete the oldest part of the chain and leave a checkpoint it restarts from.

``audit.retention_days`` defaults to six years (2190 days): HIPAA keeps required
documentation six years (45 CFR 164.316(b)(2)(i)); state law or contracts may ask longer.
A purge removes a prefix of the chain (every entry up to the last one of an unbroken run
older than the cut-off) and its seals, and, under the same chain lock, writes an
``audit.purged`` entry naming the last purged position and hash; that entry is chained and
sealed in the same transaction, so ``verify`` starts from it and a deleted prefix without
one is still reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection

from idp.audit.chain import Head, events_table, seal, seals_table
from idp.audit.service import entry_values
from idp.audit.verify import checkpoint
from idp.common.clock import utcnow


@dataclass(frozen=True)
class Purged:
    count: int
    through_seq: int
    cutoff: datetime


def purge(
    key: bytes, retention_days: int, *, now: datetime | None = None, actor_id: str | None = None
) -> Purged:
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    result: dict[str, int] = {"count": 0, "through": 0}

    def cut(conn: Connection, head: Head) -> None:
        c = events_table.c
        start, _ = checkpoint(conn)
        newer = conn.execute(
            select(func.min(c.seq)).where(c.seq.is_not(None), c.seq > start, c.at >= cutoff)
        ).scalar()
        through = (newer - 1) if newer is not None else head.seq
        if through <= start:
            return
        through_hash = conn.execute(select(c.hash).where(c.seq == through)).scalar_one()
        count = conn.execute(delete(events_table).where(c.seq <= through)).rowcount
        conn.execute(delete(seals_table).where(seals_table.c.seq <= through))
        conn.execute(
            events_table.insert(),
            entry_values(
                "audit.purged",
                actor_id=actor_id,
                through_seq=through,
                through_hash=through_hash,
                count=count,
                cutoff=cutoff.isoformat(),
                retention_days=retention_days,
            ),
        )
        result.update(count=count, through=through)

    seal(key)  # chain what waits first: only chained entries can be purged
    seal(key, before_commit=cut)
    return Purged(result["count"], result["through"], cutoff)
