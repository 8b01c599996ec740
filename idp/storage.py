"""Database wiring: which modules hold models, SQLite pragmas, pinging idle pooled
connections, running migrations."""

from __future__ import annotations

import importlib
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

#: A pooled connection unused for this long is pinged before it is handed out again.
PING_AFTER_IDLE_SECONDS = 1.0

#: Every module that defines tables; imported before migrations or create_all.
MODEL_MODULES = [
    "idp.accounts.models",
    "idp.orgs.models",
    "idp.accounts.verification.models",
    "idp.audit.models",
    "idp.state.models",
    "idp.mfa.models",
    "idp.oauth.models",
    "idp.jwk.models",
    "idp.emergency.models",
]


def pool_options(database_uri: str, threads: int) -> dict:
    """The connection pool of a PostgreSQL engine, sized for the worker's threads.

    Why: SQLAlchemy's default keeps 5 connections and closes every connection beyond them
    as soon as it is returned. A worker with 8 threads then opened and closed connections
    all day under load (each a new PostgreSQL backend: 2.3 % of the worker's CPU in the
    code-flow profile, and the backend's start on the database's side). A thread can hold
    two at once (its request's transaction, and the shared state's autocommit statement),
    and the worker's background jobs one each: ``2 * threads + 2`` stay open once they
    were needed; a few more may open for a burst and are closed again."""
    if not database_uri.startswith("postgresql"):
        return {}
    return {"pool_size": 2 * threads + 2, "max_overflow": 5}


def import_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)


def ping_idle_connections(engine: Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Ping a pooled connection on checkout only when it has sat unused ``idle_seconds``.

    Why not ``pool_pre_ping``: that pings on every checkout, and a request checks a
    connection out once per transaction: a round trip each time, 6-7 ms of CPU per code
    flow (of 42-52). A connection in steady use was fine a moment ago; one that sat idle,
    through a database restart say, is pinged, and a dead one is replaced before the
    request sees it (``DisconnectionError`` makes the pool try a new connection). What is
    left: a restart within the last second kills connections that are then used
    unpinged, and the first request on each fails with 503; that error makes SQLAlchemy
    retire every connection of the pool opened before it, so the next request connects
    afresh."""

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn, record, _proxy):
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            raise DisconnectionError(f"an idle pooled connection is dead: {exc}") from exc


def configure_engine(engine: Engine) -> None:
    """Every engine: idle pooled connections are pinged before use
    (:func:`ping_idle_connections`). PostgreSQL: a connect timeout (``[database]
    connect_timeout_seconds``), so a server that is unreachable or hangs fails a request
    with 503 instead of holding a worker.
    SQLite: WAL and a busy timeout so several worker processes share one file safely."""
    ping_idle_connections(engine)
    if engine.dialect.name == "postgresql":
        from flask import current_app, has_app_context

        seconds = (
            current_app.config["IDP_SETTINGS"].database_connect_timeout_seconds
            if has_app_context()
            else 5
        )

        @event.listens_for(engine, "do_connect")
        def _connect_timeout(_dialect, _record, _cargs, cparams):
            cparams.setdefault("connect_timeout", seconds)

        return
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()


def upgrade_database() -> None:
    """Apply every migration (inside an app context)."""
    from flask_migrate import upgrade

    upgrade(revision="heads")
