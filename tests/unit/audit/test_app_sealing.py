"""Each process chains and seals now and then, after a response has gone out, on a thread
of its own (never the request's), one pass at a time."""

from __future__ import annotations

import threading

from idp.audit import app as audit_app
from idp.audit.models import AuditEvent
from idp.audit.service import record
from idp.extensions import db


def test_a_response_after_the_interval_runs_a_sealer_pass(make_app, app, monkeypatch):
    sealing = make_app(audit_seal_interval_seconds=5)
    record("login.failed", subject_id="u1")
    db.session.commit()
    client = sealing.test_client()
    client.get("/login").close()
    assert db.session.scalars(db.select(AuditEvent.seq)).all() == [None]  # not yet due
    now = audit_app.time.monotonic()
    monkeypatch.setattr(audit_app.time, "monotonic", lambda: now + 6)
    client.get("/login").close()
    schedule = sealing.extensions["idp.audit.seal_schedule"]
    assert schedule.thread is not None and schedule.thread.name == "idp-audit-sealer"
    schedule.thread.join(timeout=30)
    db.session.expire_all()
    assert db.session.scalars(db.select(AuditEvent.seq)).all() == [1]


def test_a_pass_still_running_is_not_started_again(make_app, app, monkeypatch):
    sealing = make_app(audit_seal_interval_seconds=5)
    schedule = sealing.extensions["idp.audit.seal_schedule"]
    release = threading.Event()
    passes: list[str] = []

    def slow_pass(_app):
        passes.append(threading.current_thread().name)
        release.wait(timeout=30)

    monkeypatch.setattr(audit_app, "seal_quietly", slow_pass)
    schedule.start()
    first = schedule.thread
    schedule.start()
    assert schedule.thread is first
    release.set()
    first.join(timeout=30)
    schedule.start()
    schedule.thread.join(timeout=30)
    assert passes == ["idp-audit-sealer", "idp-audit-sealer"]
    assert schedule.thread is not first


def test_a_failed_pass_only_waits_for_the_next(make_app, app, monkeypatch, caplog):
    sealing = make_app(audit_seal_interval_seconds=5)

    def down(_key, **_options):
        raise OSError("database away")

    monkeypatch.setattr(audit_app, "seal", down)
    audit_app.seal_quietly(sealing)
    assert "audit sealer pass failed: database away" in caplog.text
