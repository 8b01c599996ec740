"""One database connection per thread, kept outside the pool, for the hot statements that
run through libpq directly (the token's audit entry, the introspected token's revocation
check).

Checking a pooled connection out (with its ping), beginning, running one statement and
resetting the connection costs more CPU than the statement: each thread here keeps a
connection of its own, detached from the pool and in autocommit on PostgreSQL. They are
closed when the engine is disposed and re-opened after a fork, after :meth:`close`, or
when the caller drops a broken one.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


class ThreadConnections:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[Any] = []
        #: Bumped by close(): every thread then opens a new connection.
        self._generation = 0
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def get(self) -> Any:
        """This thread's connection (SQLAlchemy's DBAPI connection wrapper, detached):
        ``.dbapi_connection`` is the driver's, ``.info`` a dict kept with it."""
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

    def drop(self) -> None:
        """Close this thread's connection (broken): the next :meth:`get` opens another."""
        held = getattr(self._local, "held", None)
        self._local.held = None
        if held is not None:
            with self._lock:
                if held[1] in self._open:
                    self._open.remove(held[1])
            with contextlib.suppress(Exception):  # already broken
                held[1].close()

    def close(self) -> None:
        with self._lock:
            conns, self._open = self._open, []
            self._generation += 1
        for conn in conns:
            with contextlib.suppress(Exception):  # closing what may be broken
                conn.close()


def check_command(result: Any, expected: Any, what: str) -> None:
    """libpq results do not raise: a status other than ``expected`` is an error."""
    if result.status != expected:
        message = result.error_message.decode(errors="replace").strip()
        raise DirectStatementFailed(f"{what}: {message}")


class DirectStatementFailed(RuntimeError):
    pass
