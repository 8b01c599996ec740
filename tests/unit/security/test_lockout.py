"""Per account+source counting, doubling locks with a cap, expiry (controllable clock)."""

import pytest

from idp.common.clock import FixedClock
from idp.config import load_settings
from idp.security.lockout import Lockout
from idp.state import durable_state, shared_state


@pytest.fixture
def clock():
    return FixedClock(1_800_000_000)


@pytest.fixture
def lockout(app, clock):
    settings = load_settings({"auth_lockout_failures": 3, "auth_account_ceiling_failures": 7})
    return Lockout(shared_state(), durable_state(), settings, clock)


def fail_until_locked(lockout, subject="u1", source="ip:10.0.0.1"):
    minutes = 0
    for _ in range(3):
        attempt = lockout.begin(subject, source)
        assert attempt.allowed
        minutes = lockout.failed(attempt).locked_minutes
    return minutes


def test_locks_after_the_configured_failures_only_for_that_source(lockout):
    assert fail_until_locked(lockout) == 15
    assert not lockout.begin("u1", "ip:10.0.0.1").allowed
    assert lockout.begin("u1", "ip:10.0.0.2").allowed
    assert lockout.begin("u2", "ip:10.0.0.1").allowed


def test_lock_expires_then_doubles_and_is_capped_at_an_hour(lockout, clock):
    assert fail_until_locked(lockout) == 15
    clock.advance(14 * 60)
    assert not lockout.begin("u1", "ip:10.0.0.1").allowed
    clock.advance(61)
    assert fail_until_locked(lockout) == 30
    clock.advance(30 * 60 + 1)
    assert fail_until_locked(lockout) == 60
    clock.advance(60 * 60 + 1)
    assert fail_until_locked(lockout) == 60


def test_success_resets_the_count(lockout):
    for _ in range(2):
        lockout.failed(lockout.begin("u1", "ip:x"))
    lockout.succeeded(lockout.begin("u1", "ip:x"))
    for _ in range(2):
        assert lockout.failed(lockout.begin("u1", "ip:x")).locked_minutes == 0
    assert lockout.begin("u1", "ip:x").allowed


def test_account_ceiling_is_reported_once_across_sources(lockout):
    reached = []
    for i in range(9):
        attempt = lockout.begin("u1", f"ip:10.0.1.{i}")
        reached.append(lockout.failed(attempt).ceiling_reached)
    assert reached.count(True) == 1 and reached[6] is True
    assert lockout.account_failures("u1") == 9
