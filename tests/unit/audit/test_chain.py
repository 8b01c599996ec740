"""The chain: verify passes on an intact chain and names the first edited, deleted,
inserted or reordered entry (rows changed with raw SQL, as an intruder would)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from idp.audit.chain import app_key, entry_hash, seal
from idp.audit.models import AuditEvent, AuditSeal
from idp.audit.purge import purge
from idp.audit.service import record
from idp.audit.verify import verify
from idp.common.clock import utcnow
from idp.extensions import db


def write(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        record("login.failed", subject_id=f"user-{i}", reason="bad_password", n=i)
    db.session.commit()


@pytest.fixture
def key(app):
    return app_key(app)


@pytest.fixture
def chain(app, key):
    """Ten entries chained in two passes (two seals: seq 5 and seq 10)."""
    write(5)
    seal(key)
    write(5, 5)
    seal(key)
    return key


def sql(statement: str, **params) -> None:
    db.session.execute(text(statement), params)
    db.session.commit()


def row(seq: int) -> AuditEvent:
    db.session.expire_all()
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.seq == seq)).one()


def forge(seq: int, after: AuditEvent) -> AuditEvent:
    """An entry an intruder adds, with a correct hash linked to ``after``."""
    forged = AuditEvent(
        event="login.succeeded",
        subject_id="intruder",
        outcome="success",
        data="{}",
        at=utcnow(),
        seq=seq,
        prev_hash=after.hash,
    )
    db.session.add(forged)
    db.session.flush()
    forged.hash = entry_hash(after.hash, forged)
    db.session.commit()
    return forged


def test_an_intact_chain_verifies(chain):
    report = verify(chain)
    assert report.ok, report.message
    assert report.checked == 10 and report.head_seq == 10
    assert db.session.query(AuditSeal).count() == 2


def test_entries_wait_unchained_until_a_pass_and_are_counted(app, key):
    write(3)
    assert db.session.scalars(db.select(AuditEvent.seq)).all() == [None] * 3
    assert verify(key).pending == 3
    head = seal(key)
    assert (head.seq, head.chained) == (3, 3)
    assert seal(key).chained == 0  # nothing new: no new seal
    assert db.session.query(AuditSeal).count() == 1


def test_an_edited_entry_is_named(chain):
    sql("UPDATE audit_events SET data = :d WHERE seq = 4", d='{"reason": "ok"}')
    report = verify(chain)
    assert not report.ok
    assert report.message.startswith(f"seq=4 id={row(4).id}: edited")


def test_a_deleted_entry_is_named(chain):
    sql("DELETE FROM audit_events WHERE seq = 3")
    report = verify(chain)
    assert not report.ok and report.message.startswith("seq=3: deleted")


def test_a_deleted_and_renumbered_entry_is_named(chain):
    sql("DELETE FROM audit_events WHERE seq = 3")
    sql("UPDATE audit_events SET seq = -seq + 1 WHERE seq > 3")
    sql("UPDATE audit_events SET seq = -seq WHERE seq < 0")
    report = verify(chain)
    assert not report.ok and report.message.startswith("seq=3 ") and "deleted" in report.message


def test_an_inserted_entry_is_named(chain):
    """A forged entry with a correct hash, linked to its predecessor, positions shifted."""
    sql("UPDATE audit_events SET seq = -seq - 1 WHERE seq >= 3")
    sql("UPDATE audit_events SET seq = -seq WHERE seq < 0")
    forged = forge(3, row(2))
    report = verify(chain)
    assert not report.ok
    assert report.message.startswith(f"seq=3 id={forged.id}: inserted"), report.message


def test_reordered_entries_are_named(chain):
    sql("UPDATE audit_events SET seq = 100 WHERE seq = 6")
    sql("UPDATE audit_events SET seq = 6 WHERE seq = 7")
    sql("UPDATE audit_events SET seq = 7 WHERE seq = 100")
    report = verify(chain)
    assert not report.ok
    assert report.message.startswith(f"seq=6 id={row(6).id}: reordered"), report.message


def test_a_rewritten_table_is_caught_by_the_seals(chain):
    """Every hash recomputed after an edit: the chain links, but the seal does not match."""
    sql("UPDATE audit_events SET subject_id = 'someone-else' WHERE seq = 2")
    prev = "0" * 64
    for seq in range(1, 11):
        entry = row(seq)
        entry.prev_hash, entry.hash = prev, entry_hash(prev, entry)
        prev = entry.hash
        db.session.commit()
    report = verify(chain)
    assert not report.ok and report.message.startswith("seq=5 ") and "seal" in report.message


def test_a_forged_seal_is_caught(chain):
    sql("UPDATE audit_seals SET mac = :m WHERE seq = 5", m="0" * 64)
    report = verify(chain)
    assert not report.ok and "seal of seq=5: signature invalid" in report.message


def test_entries_appended_behind_the_sealer_are_caught(chain):
    forge(11, row(10))
    report = verify(chain)
    assert not report.ok and report.message.startswith("seq=11: inserted")


def test_deleting_the_newest_sealed_entries_is_caught(chain):
    sql("DELETE FROM audit_events WHERE seq > 8")
    report = verify(chain)
    assert not report.ok and report.message.startswith("seq=9: deleted")


def test_a_transaction_committing_late_is_chained_by_the_next_pass(app, key, make_app):
    """An id allocated before entries already chained: chained later, nothing skipped.
    (PostgreSQL: SQLite has one writer at a time, so no transaction there commits late.)"""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers")
    late = db.session
    record("login.failed", subject_id="late")
    late.flush()  # id allocated, not committed
    other = make_app()
    with other.app_context():
        record("login.failed", subject_id="early")
        db.session.commit()
        seal(app_key(other))
        db.session.remove()
    late.commit()
    head = seal(key)
    assert head.seq == 2
    report = verify(key)
    assert report.ok, report.message
    late_row = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.subject_id == "late")
    ).one()
    assert late_row.seq == 2


def test_purge_keeps_the_rest_verifiable(chain, app):
    old = utcnow() - timedelta(days=400)
    sql("UPDATE audit_events SET at = :at WHERE seq <= 7", at=old)
    done = purge(chain, 365)
    assert (done.count, done.through_seq) == (7, 7)
    report = verify(chain)
    assert report.ok, report.message
    assert report.checked == 4  # 8, 9, 10 and the checkpoint
    assert purge(chain, 365).count == 0
    assert verify(chain).ok


def test_deleting_the_oldest_entries_without_a_purge_is_caught(chain):
    sql("DELETE FROM audit_events WHERE seq <= 2")
    report = verify(chain)
    assert not report.ok and report.message.startswith("seq=1..2: deleted")


def test_verify_names_seals_made_with_another_key(chain, app):
    other = b"k" * 32
    report = verify(other)
    assert not report.ok and "made with another key" in report.message
