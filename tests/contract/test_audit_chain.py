"""Several writers at once keep one verifiable chain and lose nothing: two application
instances in threads, and two processes, each writing entries (in a transaction with
something else, and on their own as the token endpoint does) and running sealer passes
(some waiting for the chain lock, some leaving when it is taken, as each process's periodic
pass does) while the others write. Runs on SQLite and on PostgreSQL
(IDP_TEST_DATABASE_URL)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from idp.audit.chain import Busy, app_key, seal
from idp.audit.models import AuditEvent
from idp.audit.verify import verify
from idp.extensions import db

PER_WRITER = 40

WRITER = """
import json, sys
from idp import create_app
from tests.contract.test_audit_chain import write_and_seal

app = create_app(json.loads(sys.argv[1]))
write_and_seal(app, sys.argv[2], int(sys.argv[3]))
"""


def write_and_seal(app, name: str, count: int = PER_WRITER) -> None:
    """Half the entries in a unit of work, half on their own; a sealer pass now and then."""
    from idp.audit import record, write

    with app.app_context():
        for i in range(count):
            if i % 2:
                write("oauth.token.issued", client_id=name, n=i)
            else:
                record("login.failed", subject_id=name, n=i)
                db.session.commit()
            if i % 7 == 0:
                with contextlib.suppress(Busy):
                    seal(app_key(app), wait=i % 14 == 0)
        seal(app_key(app))
        db.session.remove()


def _write_and_seal(app, name: str, errors: list) -> None:
    try:
        write_and_seal(app, name)
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def _check_chain(app, expected: int) -> None:
    key = app_key(app)
    seal(key)
    report = verify(key)
    assert report.ok, report.message
    assert report.checked == expected and report.pending == 0
    seqs = db.session.scalars(db.select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seqs == list(range(1, expected + 1))


def test_two_instances_writing_and_sealing_at_once(app, make_app):
    instances = [make_app(), make_app()]
    errors: list = []
    threads = [
        threading.Thread(target=_write_and_seal, args=(instance, f"inst-{n}", errors))
        for n, instance in enumerate(instances)
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    _check_chain(app, len(threads) * PER_WRITER)


def test_two_processes_writing_and_sealing_at_once(app, base_settings):
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    settings = json.dumps({**base_settings, "log_level": "ERROR"})
    procs = [
        subprocess.Popen(  # noqa: S603 - this interpreter, our script
            [sys.executable, "-c", WRITER, settings, f"proc-{n}", str(PER_WRITER)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()[-2000:]
    db.session.expire_all()
    _check_chain(app, 2 * PER_WRITER)
    names = {e.subject_id or e.client_id for e in db.session.scalars(db.select(AuditEvent))}
    assert names == {"proc-0", "proc-1"}


def test_a_pass_that_need_not_wait_leaves_when_another_holds_the_lock(app):
    from idp.audit import record

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: every pass waits for the lock")
    key = app_key(app)
    seal(key)  # the head row exists
    record("login.failed", subject_id="waiting")
    db.session.commit()
    with db.engine.connect() as other:
        other.execute(text("SELECT id FROM audit_chain WHERE id = 1 FOR UPDATE"))
        with pytest.raises(Busy):
            seal(key, wait=False)
        other.rollback()
    assert seal(key, wait=False).chained == 1
    assert verify(key).ok
