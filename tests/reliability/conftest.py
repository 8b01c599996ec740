"""Reliability: the app against dependencies the tests can stop, flush and hang.

Redis (and, where the machine allows, PostgreSQL) are servers of these tests' own on free
ports; the database of the other tests is the session's one (SQLite or PostgreSQL, by pass).
"""

from __future__ import annotations

import shutil

import pytest

from idp.common.clock import FixedClock
from idp.extensions import db
from tests.conftest import _empty_all_tables
from tests.reliability.servers import RedisServer

#: No per-IP limits in the way of many requests from the test client's one address.
NO_IP_LIMITS = {
    f"auth_ip_limit_{name}": 1_000_000
    for name in (
        "login", "totp", "password_reset", "username_recovery", "register",
        "verification_resend",
    )
}  # fmt: skip


@pytest.fixture(scope="session")
def redis_server():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer().start()
    yield server
    server.close()


@pytest.fixture
def redis(redis_server):
    """The tests' own Redis, running and empty at the start of each test."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.flush()
    return redis_server


@pytest.fixture
def clock():
    return FixedClock(1_800_000_000)


@pytest.fixture
def redis_app(make_app, redis, clock):
    app = make_app(redis_url=redis.url, **NO_IP_LIMITS)
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["idp_clock"] = clock
    with app.app_context():
        _empty_all_tables()
        yield app
        db.session.remove()
