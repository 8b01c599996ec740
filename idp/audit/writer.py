"""The token endpoint's audit write: one INSERT on a connection kept per thread.

A client-credentials token costs about 0.4 ms of CPU; checking a pooled connection out
(with its ping), beginning, inserting, committing and resetting it costs more than that.
Here each thread keeps one database connection of its own (detached from the pool, in
autocommit on PostgreSQL) and writes the entry with one prepared INSERT: one round trip,
durable before the caller answers. On PostgreSQL the statement is prepared once per
connection and executed through libpq directly (psycopg's ``pgconn.exec_prepared``, which
releases the GIL while it waits), skipping the per-call query building that would cost
as much again. Concurrent writers share commits (group commit, :meth:`DirectWriter.write`):
the database's fsync rate, not the CPU, is what bounds one commit per token.
Connections are closed when the engine is disposed and re-opened after a fork or a broken
connection.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from idp.audit.models import AuditEvent

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
    """libpq results do not raise: a status other than COMMAND_OK is an error."""
    from psycopg import pq

    if result.status != pq.ExecStatus.COMMAND_OK:
        message = result.error_message.decode(errors="replace").strip()
        raise WriteFailed(f"audit entry not written: {message}")


class DirectWriter:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.sql = (
            f"INSERT INTO audit_events ({', '.join(COLUMNS)}) "  # noqa: S608 - our column names
            f"VALUES ({', '.join('?' for _ in COLUMNS)})"
        )
        self._local = threading.local()
        self._lock = threading.Lock()
        self._cv = threading.Condition()
        self._queue: list[_Slot] = []
        self._flushing = 0
        self._open: list[Any] = []
        #: Bumped by close(): every thread then opens a new connection.
        self._generation = 0
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def _connection(self) -> Any:
        held = getattr(self._local, "held", None)
        if held is not None and held[0] == (os.getpid(), self._generation):
            return held[1]
        fairy = self.engine.raw_connection()
        fairy.detach()
        if not self.sqlite:
            driver: Any = fairy.dbapi_connection
            driver.autocommit = True
        self._local.held = ((os.getpid(), self._generation), fairy)
        with self._lock:
            self._open.append(fairy)
        return fairy

    def _drop(self) -> None:
        held = getattr(self._local, "held", None)
        self._local.held = None
        if held is not None:
            with self._lock:
                if held[1] in self._open:
                    self._open.remove(held[1])
            with contextlib.suppress(Exception):  # already broken
                held[1].close()

    def _params(self, values: dict[str, Any]) -> list[Any]:
        if self.sqlite:
            values = {**values, "at": values["at"].strftime(_SQLITE_TIME)}
            return [values[name] for name in COLUMNS]
        values = {**values, "at": values["at"].isoformat()}
        return [None if values[n] is None else str(values[n]).encode() for n in COLUMNS]

    def _insert_once(self, rows: list[list[Any]]) -> None:
        conn = self._connection()
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
                self._drop()
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
        with self._lock:
            conns, self._open = self._open, []
            self._generation += 1
        for conn in conns:
            with contextlib.suppress(Exception):  # closing what may be broken
                conn.close()
