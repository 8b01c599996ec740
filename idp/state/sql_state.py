"""Embedded shared state in the SQL database.

Each operation is one statement (``INSERT ... ON CONFLICT ... RETURNING`` or
``DELETE ... RETURNING``) in its own short transaction on the engine, never on the ORM
session, so it is atomic across every process sharing the database: SQLite serialises
writers, PostgreSQL locks the row. On PostgreSQL the statement runs in autocommit (a single
statement is its own transaction there): one round trip instead of three (BEGIN, the
statement, COMMIT); a sign-in makes two of them. Expired rows are treated as absent and
swept now and then.
"""

from __future__ import annotations

import random
import time

from sqlalchemy import text
from sqlalchemy.engine import Engine

from idp.state.base import SharedState

_SWEEP_CHANCE = 0.01


#: The tables of this shape: the embedded shared state, and the durable security state
#: (idp.state.durable) that Redis deployments keep in the database too.
TABLES = ("shared_state", "durable_state")


class SqlState(SharedState):
    name = "sql"

    def __init__(self, engine: Engine, clock=time.time, table: str = "shared_state"):
        if table not in TABLES:
            raise ValueError(f"unknown state table {table!r}")
        self.engine = engine
        self.clock = clock
        self.table = table
        self._autocommit = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else None
        )

    def _run(self, sql: str, **params):
        # The table name is one of TABLES, never input.
        statement = text(sql.replace("shared_state", self.table))
        if self._autocommit is not None:
            with self._autocommit.connect() as conn:
                result = conn.execute(statement, params)
                return result.first() if result.returns_rows else None
        for attempt in range(50):
            try:
                with self.engine.begin() as conn:
                    result = conn.execute(statement, params)
                    return result.first() if result.returns_rows else None
            except Exception as exc:  # SQLite may report a busy database under contention
                if "locked" not in str(exc).lower() or attempt == 49:
                    raise
                time.sleep(0.01 * (attempt + 1))
        return None

    def _maybe_sweep(self, now: float) -> None:
        if random.random() < _SWEEP_CHANCE:
            self._run("DELETE FROM shared_state WHERE expires_at <= :now", now=now)

    def incr(self, key: str, ttl: int, amount: int = 1) -> int:
        now = self.clock()
        row = self._run(
            """
            INSERT INTO shared_state (key, value, counter, expires_at)
            VALUES (:key, NULL, :amount, :exp)
            ON CONFLICT (key) DO UPDATE SET
              counter = CASE WHEN shared_state.expires_at <= :now THEN :amount
                             ELSE shared_state.counter + :amount END,
              expires_at = CASE WHEN shared_state.expires_at <= :now THEN :exp
                                ELSE shared_state.expires_at END
            RETURNING counter
            """,
            key=key,
            amount=amount,
            exp=now + max(1, int(ttl)),
            now=now,
        )
        self._maybe_sweep(now)
        return int(row[0])

    def get(self, key: str) -> str | None:
        row = self._run(
            "SELECT value, counter FROM shared_state WHERE key = :key AND expires_at > :now",
            key=key,
            now=self.clock(),
        )
        if row is None:
            return None
        return row[0] if row[0] is not None else str(row[1])

    def set(self, key: str, value: str, ttl: int) -> None:
        now = self.clock()
        self._run(
            """
            INSERT INTO shared_state (key, value, counter, expires_at)
            VALUES (:key, :value, 0, :exp)
            ON CONFLICT (key) DO UPDATE SET value = :value, counter = 0, expires_at = :exp
            """,
            key=key,
            value=value,
            exp=now + max(1, int(ttl)),
        )
        self._maybe_sweep(now)

    def add(self, key: str, value: str, ttl: int) -> bool:
        now = self.clock()
        row = self._run(
            """
            INSERT INTO shared_state (key, value, counter, expires_at)
            VALUES (:key, :value, 0, :exp)
            ON CONFLICT (key) DO UPDATE SET value = :value, counter = 0, expires_at = :exp
              WHERE shared_state.expires_at <= :now
            RETURNING key
            """,
            key=key,
            value=value,
            exp=now + max(1, int(ttl)),
            now=now,
        )
        return row is not None

    def replace(self, key: str, expected: str, value: str, ttl: int) -> bool:
        now = self.clock()
        row = self._run(
            """
            UPDATE shared_state SET value = :value, counter = 0, expires_at = :exp
            WHERE key = :key AND value = :expected AND expires_at > :now
            RETURNING key
            """,
            key=key,
            expected=expected,
            value=value,
            exp=now + max(1, int(ttl)),
            now=now,
        )
        return row is not None

    def pop(self, key: str) -> str | None:
        row = self._run(
            "DELETE FROM shared_state WHERE key = :key RETURNING value, counter, expires_at",
            key=key,
        )
        if row is None or row[2] <= self.clock():
            return None
        return row[0] if row[0] is not None else str(row[1])

    def delete(self, key: str) -> None:
        self._run("DELETE FROM shared_state WHERE key = :key", key=key)

    def ttl(self, key: str) -> int | None:
        now = self.clock()
        row = self._run(
            "SELECT expires_at FROM shared_state WHERE key = :key AND expires_at > :now",
            key=key,
            now=now,
        )
        return None if row is None else max(0, int(row[0] - now))

    def ping(self) -> None:
        self._run("SELECT 1")

    def entries(self, *, counters: bool = True) -> list[tuple[str, str, int]]:
        """Every live key with its value (a counter as text) and whole seconds left;
        without the counters when ``counters`` is False."""
        now = self.clock()
        only_values = "" if counters else " AND value IS NOT NULL"
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    f"SELECT key, value, counter, expires_at FROM {self.table} "  # noqa: S608
                    f"WHERE expires_at > :now{only_values}"
                ),
                {"now": now},
            ).all()
        return [
            (key, value if value is not None else str(counter), max(1, int(exp - now)))
            for key, value, counter, exp in rows
        ]
