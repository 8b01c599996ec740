"""The SSO session store on the real shared state (embedded or Redis), with a test clock."""

import pytest

from idp.common.clock import FixedClock
from idp.login.sessions import SessionStore, SsoSession
from idp.state import shared_state

IDLE = 15 * 60
ABSOLUTE = 12 * 60 * 60


@pytest.fixture
def clock():
    return FixedClock(1_800_000_000.0)


@pytest.fixture
def sessions(app, clock):
    return SessionStore(shared_state(), clock=clock.time)


def new(sessions, user_id="u1", amr=("pwd",), **kw):
    return sessions.create(user_id, list(amr), idle_seconds=IDLE, absolute_seconds=ABSOLUTE, **kw)


def test_each_session_gets_its_own_unguessable_id(sessions):
    a, b = new(sessions), new(sessions)
    assert a.sid != b.sid and len(a.sid) >= 43
    assert a.public_id and a.public_id != a.sid
    assert sessions.get(a.sid).user_id == "u1"
    assert sessions.get("made-up") is None
    assert sessions.get(None) is None


def test_idle_timeout_ends_an_unused_session(sessions, clock):
    session = new(sessions)
    clock.advance(IDLE - 1)
    assert sessions.get(session.sid) is not None
    clock.advance(2)
    assert sessions.get(session.sid) is None
    clock.advance(-IDLE)  # even if the clock went back, the expired record is gone
    assert sessions.get(session.sid) is None


def test_activity_resets_the_idle_timer(sessions, clock):
    session = new(sessions)
    for _ in range(3):
        clock.advance(IDLE - 60)
        live = sessions.get(session.sid)
        assert live is not None
        sessions.touch(live)
    clock.advance(IDLE + 1)
    assert sessions.get(session.sid) is None


def test_absolute_lifetime_ends_even_an_active_session(sessions, clock):
    session = new(sessions)
    elapsed = 0
    while elapsed + 600 < ABSOLUTE:
        clock.advance(600)
        elapsed += 600
        live = sessions.get(session.sid)
        assert live is not None, elapsed
        sessions.touch(live)
    clock.advance(ABSOLUTE - elapsed)
    assert sessions.get(session.sid) is None


def test_idle_timeout_never_exceeds_the_absolute_lifetime(sessions):
    session = sessions.create("u1", ["pwd"], idle_seconds=7200, absolute_seconds=600)
    assert session.idle_seconds == 600


def test_touch_writes_at_most_every_few_seconds(sessions, clock):
    session = new(sessions)
    clock.advance(1)
    sessions.touch(session)
    assert sessions.get(session.sid).last_seen == session.created_at
    clock.advance(10)
    sessions.touch(session)
    assert sessions.get(session.sid).last_seen == clock.time()


def test_rotate_issues_a_new_id_and_kills_the_old_one(sessions):
    session = new(sessions, clients=["tool-a"])
    old_sid, public_id = session.sid, session.public_id
    rotated = sessions.rotate(session)
    assert rotated.sid != old_sid
    assert sessions.get(old_sid) is None
    live = sessions.get(rotated.sid)
    assert live.public_id == public_id and live.clients == ["tool-a"]
    assert [s.sid for s in sessions.for_user("u1")] == [rotated.sid]


def test_rotating_a_stale_copy_fails_instead_of_resurrecting_it(sessions):
    session = new(sessions)
    copy = SsoSession.from_json(session.to_json())
    assert sessions.rotate(session) is not None
    assert sessions.rotate(copy) is None


def test_end_all_for_user_leaves_other_users_alone(sessions):
    mine = [new(sessions, "u1"), new(sessions, "u1")]
    theirs = new(sessions, "u2")
    ended = sessions.end_all_for_user("u1")
    assert {s.sid for s in ended} == {s.sid for s in mine}
    assert all(sessions.get(s.sid) is None for s in mine)
    assert sessions.get(theirs.sid) is not None
    assert sessions.get(new(sessions, "u1").sid) is not None  # a later sign-in works


def test_a_privilege_change_marks_older_sessions_for_a_new_id(sessions):
    session = new(sessions)
    assert not sessions.needs_new_id(session)
    sessions.privileges_changed("u1")
    assert sessions.needs_new_id(sessions.get(session.sid))
    rotated = sessions.rotate(sessions.get(session.sid))
    assert not sessions.needs_new_id(rotated)
    assert not sessions.needs_new_id(new(sessions))  # issued after the change
    sessions.privileges_changed("u1")
    assert sessions.needs_new_id(rotated)


def test_markers_that_expired_never_revive_old_sessions(sessions, app):
    from idp.state import shared_state

    session = new(sessions)
    sessions.end_all_for_user("u1")
    later = new(sessions)
    shared_state().delete("sso-gen:u1")  # the marker outlived every session and expired
    assert sessions.get(later.sid) is not None
    sessions.end_all_for_user("u1")
    assert sessions.get(later.sid) is None and sessions.get(session.sid) is None


def test_no_session_outlives_the_markers(sessions):
    session = sessions.create("u1", ["pwd"], idle_seconds=60, absolute_seconds=10**9)
    assert session.expires_at - session.created_at == 30 * 24 * 3600


def test_find_public_only_finds_the_users_own_sessions(sessions):
    mine = new(sessions, "u1")
    new(sessions, "u2")
    assert sessions.find_public("u1", mine.public_id).sid == mine.sid
    assert sessions.find_public("u2", mine.public_id) is None


def test_freshness_needs_the_second_factor_when_required(sessions, clock):
    session = new(sessions, amr=("pwd", "otp"))
    assert session.is_fresh(clock.time(), 600, need_mfa=True)
    clock.advance(601)
    assert not session.is_fresh(clock.time(), 600, need_mfa=True)
    pwd_only = new(sessions)
    assert pwd_only.is_fresh(clock.time(), 600, need_mfa=False)
    assert not pwd_only.is_fresh(clock.time(), 600, need_mfa=True)


def test_records_written_before_new_fields_still_load():
    raw = (
        '{"sid": "s", "user_id": "u", "auth_time": 1, "amr": ["pwd"], "created_at": 1,'
        ' "last_seen": 1, "expires_at": 2, "idle_seconds": 1, "future_field": 3}'
    )
    session = SsoSession.from_json(raw)
    assert session.public_id == "" and session.clients == []


def test_the_marker_read_with_the_record_answers_without_a_second_read(sessions):
    session = new(sessions)
    sessions.privileges_changed("u1")
    read = sessions.get(session.sid)
    reads: list[str] = []
    original = sessions.state.get
    sessions.state.get = lambda key: reads.append(key) or original(key)  # type: ignore[method-assign]
    assert sessions.needs_new_id(read, as_read=True)
    assert reads == []
    assert sessions.needs_new_id(read)
    assert reads == ["sso-priv:u1"]
