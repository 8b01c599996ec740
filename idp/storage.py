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
]


def import_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)


def configure_engine(engine: Engine) -> None:
    """SQLite: WAL and a busy timeout so several worker processes share one file safely."""
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
