"""The token endpoint's direct write: durable before the answer, survives a broken
connection, closed with the engine."""

from __future__ import annotations

import threading
import time

from sqlalchemy import create_engine, func, select

from idp.audit import write
from idp.audit.models import AuditEvent
from idp.audit.writer import WriteFailed
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
    writer.connections.get().dbapi_connection.close()
    write("oauth.token.issued", client_id="svc")
    assert count_elsewhere(app) == 2


def test_disposing_the_engine_closes_the_kept_connections(app):
    writer = app.extensions["idp.audit.writer"]
    write("oauth.token.issued", client_id="svc")
    kept = writer.connections.get()
    db.engine.dispose()
    assert writer.connections._open == [] and not kept.is_valid
    write("oauth.token.issued", client_id="svc")  # a new connection, at the first try
    assert writer.connections.get() is not kept and count_elsewhere(app) == 2


def _writers(app, count: int, errors: list) -> list[threading.Thread]:
    def run(n: int) -> None:
        with app.app_context():
            try:
                write("oauth.token.issued", client_id=f"svc-{n}")
            except Exception as exc:  # noqa: BLE001 - collected for the test
                errors.append(exc)

    return [threading.Thread(target=run, args=(n,)) for n in range(count)]


def test_writers_waiting_on_a_commit_share_the_next_one(app, monkeypatch):
    from idp.audit import writer as writer_module

    monkeypatch.setattr(writer_module, "MAX_IN_FLIGHT", 1)
    writer = app.extensions["idp.audit.writer"]
    batches: list[int] = []
    first_started = threading.Event()
    real = writer._insert_once

    def slow_first(rows):
        batches.append(len(rows))
        if len(batches) == 1:
            first_started.set()
            time.sleep(0.3)  # a slow fsync: the others queue up meanwhile
        real(rows)

    monkeypatch.setattr(writer, "_insert_once", slow_first)
    errors: list = []
    leader, *others = _writers(app, 6, errors)
    leader.start()
    first_started.wait(5)
    for thread in others:
        thread.start()
    for thread in [leader, *others]:
        thread.join()
    assert errors == [] and batches == [1, 5]
    assert count_elsewhere(app) == 6


def test_a_failed_commit_fails_every_writer_of_its_batch(app, monkeypatch):
    writer = app.extensions["idp.audit.writer"]

    def down(rows):
        raise OSError("database away")

    monkeypatch.setattr(writer, "_insert_once", down)
    errors: list = []
    threads = _writers(app, 3, errors)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 3 and all(isinstance(e, WriteFailed) for e in errors)
    assert count_elsewhere(app) == 0


def test_a_second_batch_does_not_wait_for_the_first_commit(app, monkeypatch):
    """Up to MAX_IN_FLIGHT commits run at once: the first does not finish until the second
    has started."""
    writer = app.extensions["idp.audit.writer"]
    second_started = threading.Event()
    calls: list[bool] = []
    real = writer._insert_once

    def overlapping(rows):
        calls.append(True)
        if len(calls) == 1:
            calls.append(second_started.wait(5))
        else:
            second_started.set()
        real(rows)

    monkeypatch.setattr(writer, "_insert_once", overlapping)
    errors: list = []
    first, second = _writers(app, 2, errors)
    first.start()
    while not calls:
        time.sleep(0.01)
    second.start()
    first.join()
    second.join()
    assert errors == [] and calls[1] is True
    assert count_elsewhere(app) == 2
