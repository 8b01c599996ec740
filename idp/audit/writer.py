"""The token endpoint's audit write: one INSERT on a connection kept per thread.

A client-credentials token costs about 0.4 ms of CPU; checking a pooled connection out
(with its ping), beginning, inserting, committing and resetting it costs more than that.
Here each thread keeps one database connection of its own
(:class:`~idp.common.thread_connections.ThreadConnections`: detached from the pool, in
autocommit on PostgreSQL) and writes the entry with one prepared INSERT: one round trip,
durable before the caller answers. On PostgreSQL the statement is prepared once per
connection and executed through libpq directly (psycopg's ``pgconn.exec_prepared``, which
releases the GIL while it waits), skipping the per-call query building that would cost
as much again. Concurrent writers share commits (group commit, :meth:`DirectWriter.write`):
the database's fsync rate, not the CPU, is what bounds one commit per token.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.engine import Engine

from idp.audit.models import AuditEvent
from idp.common.thread_connections import ThreadConnections, check_command

COLUMNS = [
    c.name for c in AuditEvent.__table__.columns if c.name not in {"id", "seq", "prev_hash", "hash"}
]
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"
_STATEMENT = b"idp_audit_insert_"
#: Most entries one statement commits.
MAX_BATCH = 64
#: Commits under way at once (each on its thread's connection): while some wait for the
#: disk, the next batch is already on its way, and the database groups their flushes.
MAX_IN_FLIGHT = 4


class _Slot:
    __slots__ = ("done", "error", "params")

    def __init__(self, params: list[Any]):
        self.params = params
        self.done = False
        self.error: Exception | None = None


class WriteFailed(RuntimeError):
    pass


def _check(result: Any) -> None:
    from psycopg import pq

    try:
        check_command(result, pq.ExecStatus.COMMAND_OK, "audit entry not written")
    except RuntimeError as exc:
        raise WriteFailed(str(exc)) from None


class DirectWriter:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.connections = ThreadConnections(engine)
        self.sqlite = self.connections.sqlite
        self.sql = (
            f"INSERT INTO audit_events ({', '.join(COLUMNS)}) "  # noqa: S608 - our column names
            f"VALUES ({', '.join('?' for _ in COLUMNS)})"
        )
        self._cv = threading.Condition()
        self._queue: list[_Slot] = []
        self._flushing = 0

    def _params(self, values: dict[str, Any]) -> list[Any]:
        if self.sqlite:
            values = {**values, "at": values["at"].strftime(_SQLITE_TIME)}
            return [values[name] for name in COLUMNS]
        values = {**values, "at": values["at"].isoformat()}
        return [None if values[n] is None else str(values[n]).encode() for n in COLUMNS]

    def _insert_once(self, rows: list[list[Any]]) -> None:
        conn = self.connections.get()
        if self.sqlite:
            cursor = conn.cursor()
            cursor.executemany(self.sql, rows)
            cursor.close()
            conn.commit()
            return
        pgconn = conn.dbapi_connection.pgconn
        prepared = conn.info.setdefault("idp_audit_prepared", set())
        name = _STATEMENT + str(len(rows)).encode()
        if len(rows) not in prepared:
            width = len(COLUMNS)
            groups = ", ".join(
                "(" + ", ".join(f"${r * width + i}" for i in range(1, width + 1)) + ")"
                for r in range(len(rows))
            )
            sql = f"INSERT INTO audit_events ({', '.join(COLUMNS)}) VALUES {groups}"  # noqa: S608
            _check(pgconn.prepare(name, sql.encode()))
            prepared.add(len(rows))
        _check(pgconn.exec_prepared(name, [value for row in rows for value in row]))

    def _insert(self, rows: list[list[Any]]) -> None:
        """One statement, one commit for the whole batch."""
        for attempt in (1, 2):
            try:
                self._insert_once(rows)
                return
            except Exception:
                # A connection broken since its last use (database restarted): one retry on
                # a new one; a second failure is the callers' (a 5xx, nothing issued).
                self.connections.drop()
                if attempt == 2:
                    raise

    def write(self, values: dict[str, Any]) -> None:
        """Durable when this returns. Group commit: while ``MAX_IN_FLIGHT`` batches are
        being committed, the entries of other threads queue up, and the next of them to
        run commits them all with one statement (one fsync for many tokens); alone, a
        thread commits its own entry at once."""
        slot = _Slot(self._params(values))
        with self._cv:
            self._queue.append(slot)
        while True:
            with self._cv:
                while not slot.done and (self._flushing >= MAX_IN_FLIGHT or not self._queue):
                    self._cv.wait()
                if slot.done:
                    break
                self._flushing += 1
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            error: Exception | None = None
            try:
                self._insert([s.params for s in batch])
            except Exception as exc:  # noqa: BLE001 - handed to every writer of the batch
                error = exc
            with self._cv:
                for done in batch:
                    done.done, done.error = True, error
                self._flushing -= 1
                self._cv.notify_all()
        if slot.error is not None:
            raise WriteFailed(f"audit entry not written: {slot.error}") from slot.error

    def close(self) -> None:
        self.connections.close()
