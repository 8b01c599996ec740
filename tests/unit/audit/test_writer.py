"""The token endpoint's direct write: durable before the answer, survives a broken
connection, closed with the engine."""

from __future__ import annotations

from sqlalchemy import create_engine, func, select

from idp.audit import write
from idp.audit.models import AuditEvent
from idp.extensions import db


def count_elsewhere(app) -> int:
    """Counted on a connection of its own: only what was committed."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(AuditEvent.__table__)).scalar()
    finally:
        engine.dispose()


def test_an_entry_is_committed_when_write_returns(app):
    write("oauth.token.issued", client_id="svc", grant_type="client_credentials")
    assert count_elsewhere(app) == 1
    entry = db.session.scalars(select(AuditEvent)).one()
    assert (entry.client_id, entry.outcome, entry.seq) == ("svc", "success", None)


def test_a_broken_connection_is_replaced(app):
    writer = app.extensions["idp.audit.writer"]
    write("oauth.token.issued", client_id="svc")
    writer._local.held[1].dbapi_connection.close()
    write("oauth.token.issued", client_id="svc")
    assert count_elsewhere(app) == 2


def test_disposing_the_engine_closes_the_kept_connections(app):
    writer = app.extensions["idp.audit.writer"]
    write("oauth.token.issued", client_id="svc")
    kept = writer._local.held[1]
    db.engine.dispose()
    assert writer._open == [] and not kept.is_valid
    write("oauth.token.issued", client_id="svc")  # a new connection, at the first try
    assert writer._local.held[1] is not kept and count_elsewhere(app) == 2
