"""One contract for every shared-state backend: the embedded SQL one and Redis."""

from __future__ import annotations

import multiprocessing
import os
import time
import uuid

import pytest

from idp.extensions import db
from idp.state.base import SharedState

REDIS_URL = os.environ.get("IDP_TEST_REDIS_URL", "")
BACKENDS = [
    "sql",
    pytest.param(
        "redis",
        marks=pytest.mark.skipif(
            not REDIS_URL, reason="IDP_TEST_REDIS_URL not set (runs in the PostgreSQL + Redis pass)"
        ),
    ),
]


def build(kind: str, database_url: str, prefix: str) -> SharedState:
    if kind == "redis":
        from idp.state.redis_state import RedisState

        return RedisState(REDIS_URL, prefix)
    from sqlalchemy import create_engine

    from idp.state.sql_state import SqlState
    from idp.storage import configure_engine

    engine = create_engine(database_url)
    configure_engine(engine)
    return SqlState(engine)


@pytest.fixture(params=BACKENDS)
def state(request, app):
    if request.param == "redis":
        return build("redis", "", f"idp-contract-{uuid.uuid4().hex}:")
    from idp.state.sql_state import SqlState

    return SqlState(db.engine)


def test_counter_counts_from_one(state):
    assert state.incr("c", ttl=60) == 1
    assert state.incr("c", ttl=60) == 2
    assert state.incr("c", ttl=60, amount=5) == 7
    assert state.get("c") == "7"


def test_counter_window_is_fixed_and_expires(state):
    state.incr("w", ttl=1)
    first_ttl = state.ttl("w")
    assert first_ttl is not None and first_ttl <= 1
    time.sleep(1.2)
    assert state.get("w") is None
    assert state.ttl("w") is None
    assert state.incr("w", ttl=60) == 1


def test_set_get_replace_delete(state):
    assert state.get("k") is None
    state.set("k", "one", ttl=60)
    assert state.get("k") == "one"
    state.set("k", "two", ttl=60)
    assert state.get("k") == "two"
    assert 55 <= state.ttl("k") <= 60
    state.delete("k")
    assert state.get("k") is None
    state.delete("k")


def test_many_keys_read_and_written_at_once(state):
    assert state.get_many([]) == []
    state.set("m1", "one", ttl=60)
    assert state.get_many(["m1", "m-missing", "m1"]) == ["one", None, "one"]
    state.set_many([("m1", "uno", 60), ("m2", "dos", 1)])
    assert state.get_many(["m1", "m2"]) == ["uno", "dos"]
    assert 55 <= state.ttl("m1") <= 60
    time.sleep(1.2)
    assert state.get_many(["m1", "m2"]) == ["uno", None]


def test_add_only_when_absent(state):
    assert state.add("once", "a", ttl=60) is True
    assert state.add("once", "b", ttl=60) is False
    assert state.get("once") == "a"


def test_add_after_expiry(state):
    assert state.add("short", "a", ttl=1) is True
    time.sleep(1.2)
    assert state.add("short", "b", ttl=60) is True
    assert state.get("short") == "b"


def test_replace_only_over_the_expected_value(state):
    assert state.replace("cas", "a", "b", ttl=60) is False  # absent
    assert state.get("cas") is None
    state.set("cas", "a", ttl=60)
    assert state.replace("cas", "x", "b", ttl=60) is False
    assert state.get("cas") == "a"
    assert state.replace("cas", "a", "b", ttl=60) is True
    assert state.get("cas") == "b"
    assert state.replace("cas", "a", "c", ttl=60) is False
    assert state.get("cas") == "b" and 0 < state.ttl("cas") <= 60


def test_replace_does_not_revive_an_expired_value(state):
    state.set("gone", "a", ttl=1)
    time.sleep(1.2)
    assert state.replace("gone", "a", "b", ttl=60) is False
    assert state.get("gone") is None


def test_pop_hands_out_a_value_once(state):
    state.set("code", "secret", ttl=60)
    assert state.pop("code") == "secret"
    assert state.pop("code") is None
    assert state.get("code") is None


def test_values_are_isolated_by_key(state):
    state.set("a", "1", ttl=60)
    state.incr("b", ttl=60)
    assert state.get("a") == "1"
    assert state.get("b") == "1"


def test_ping(state):
    state.ping()


def _hammer(kind, database_url, prefix, key, count, queue):
    backend = build(kind, database_url, prefix)
    queue.put([backend.incr(key, ttl=120) for _ in range(count)])


@pytest.mark.parametrize("kind", BACKENDS)
def test_two_processes_increment_one_counter_without_losing_a_count(kind, app, database_url):
    prefix = f"idp-contract-{uuid.uuid4().hex}:"
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    count = 150
    procs = [
        ctx.Process(target=_hammer, args=(kind, database_url, prefix, "shared", count, queue))
        for _ in range(2)
    ]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    seen = sorted(results[0] + results[1])
    assert seen == list(range(1, 2 * count + 1))
    assert build(kind, database_url, prefix).get("shared") == str(2 * count)
