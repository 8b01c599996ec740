"""Database wiring: which modules hold models, SQLite pragmas, running migrations."""

from __future__ import annotations

import importlib

from sqlalchemy import event
from sqlalchemy.engine import Engine

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


def import_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)


def configure_engine(engine: Engine) -> None:
    """PostgreSQL: a connect timeout (``[database] connect_timeout_seconds``), so a server
    that is unreachable or hangs fails a request with 503 instead of holding a worker.
    SQLite: WAL and a busy timeout so several worker processes share one file safely."""
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
