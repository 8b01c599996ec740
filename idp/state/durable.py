"""Security state that survives the loss of Redis' data.

Some short-lived values reopen something when they vanish: an active lock lets the locked
source guess again, a forgotten single-use marker lets a TOTP code or a client assertion be
replayed, a forgotten revocation revives a token. :class:`DurableState` keeps each of them as
a row in the SQL database (table ``durable_state``) and uses Redis as the fast path:

- ``set``/``delete`` write the row first, then Redis. ``get`` is one Redis round trip
  (the value and the intact marker, :meth:`SharedState.get_intact`). When the marker is
  missing, Redis lost its data (restarted empty, flushed): every live row is put back into
  Redis (:meth:`restore`), the marker with them, and the answer comes from the row.
- ``add`` and ``incr`` are decided by the row alone (atomic in the database across every
  instance), so a marker cannot be taken twice whatever Redis lost; a stored ``add`` is
  mirrored to Redis, a counter is read only through ``incr``.

Without Redis the embedded shared state already lives in the database, and both sides are
the same :class:`SqlState`. Writes go to the row first, so a flush at any moment loses
nothing the restore does not bring back: whatever Redis held was in the table before it.
"""

from __future__ import annotations

import logging

from idp.state.base import SharedState
from idp.state.sql_state import SqlState

log = logging.getLogger(__name__)


class DurableState:
    def __init__(self, fast: SharedState, record: SqlState):
        self.fast = fast
        self.record = record

    @property
    def mirrored(self) -> bool:
        return self.fast is not self.record

    def get(self, key: str) -> str | None:
        if not self.mirrored:
            return self.record.get(key)
        value, intact = self.fast.get_intact(key)
        if intact:
            return value
        self.restore()
        return self.record.get(key)

    def set(self, key: str, value: str, ttl: int) -> None:
        self.record.set(key, value, ttl)
        if self.mirrored:
            self.fast.set(key, value, ttl)

    def delete(self, key: str) -> None:
        self.record.delete(key)
        if self.mirrored:
            self.fast.delete(key)

    def add(self, key: str, value: str, ttl: int) -> bool:
        """Store only if absent; the database decides, so of two callers one wins."""
        stored = self.record.add(key, value, ttl)
        if stored and self.mirrored:
            self.fast.set(key, value, ttl)
        return stored

    def incr(self, key: str, ttl: int, amount: int = 1) -> int:
        """A counter kept in the database (not read through Redis)."""
        return self.record.incr(key, ttl, amount)

    def reset(self, key: str) -> None:
        """Forget a counter (it is kept in the database only)."""
        self.record.delete(key)

    def restore(self) -> int:
        """Put every live value back into Redis and mark it intact; returns how many.
        (Counters are read from the database only, so they stay there.)"""
        entries = self.record.entries(counters=False)
        self.fast.restore(entries)
        log.warning(
            "shared state had no intact marker (new, restarted empty or flushed): "
            "restored %d security records from the database",
            len(entries),
        )
        return len(entries)
