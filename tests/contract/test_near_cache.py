"""The near cache in front of each shared-state backend, with the real change feed.

On Redis, a process-local copy is served only while its process hears every change: a change
announced by another process (here another :class:`RedisState`, with its own connections,
as a second worker has), a lost subscription and a hung Redis each stop the copy being
served. The embedded SQL state has no feed, so every read goes to it.
"""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest

from idp.state.near_cache import NearCache
from idp.state.redis_state import RedisState
from tests.contract.test_shared_state import BACKENDS, REDIS_URL, build

needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="IDP_TEST_REDIS_URL not set (runs in the PostgreSQL + Redis pass)"
)
CHANNEL = "changes:test"


def eventually(predicate, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def near(state) -> NearCache:
    cache = NearCache(state, CHANNEL, state.subscription(CHANNEL))
    if cache.subscription is not None:
        assert eventually(lambda: cache.subscription.live), "the feed never subscribed"
    return cache


class Reads:
    """Counts the shared reads of one state."""

    def __init__(self, state):
        self.count = 0
        original = state.get

        def get(key):
            self.count += 1
            return original(key)

        state.get = get


@pytest.fixture
def prefix():
    return f"idp-near-{uuid.uuid4().hex}:"


def test_the_embedded_state_has_no_feed_and_every_read_reaches_it(app):
    from idp.extensions import db
    from idp.state.sql_state import SqlState

    first, second = SqlState(db.engine), SqlState(db.engine)
    reads = Reads(first)
    cache, other = near(first), near(second)
    first.set("k", "v1", 60)
    assert cache.get("k") == "v1"
    other.forget("k")
    assert cache.get("k") is None
    assert reads.count == 2


@needs_redis
def test_a_copy_is_served_until_another_process_announces_a_change(prefix):
    mine, theirs = RedisState(REDIS_URL, prefix), RedisState(REDIS_URL, prefix)
    reads = Reads(mine)
    cache, other = near(mine), near(theirs)
    mine.set("k", "v1", 60)
    assert [cache.get("k") for _ in range(20)] == ["v1"] * 20
    assert reads.count == 1

    other.forget("k")
    theirs.set("k", "v2", 60)
    assert eventually(lambda: cache.get("k") == "v2", seconds=2)


@needs_redis
def test_a_lost_subscription_stops_the_copies_being_served(prefix):
    import redis

    mine = RedisState(REDIS_URL, prefix)
    cache = near(mine)
    mine.set("k", "v1", 60)
    assert cache.get("k") == "v1"
    mine.client.set(prefix + "k", "v2")  # changed without an announcement: only a gap shows it

    admin = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    feeds = [c for c in admin.client_list(_type="pubsub") if c["name"] == f"{prefix}feed"]
    assert len(feeds) == 1
    admin.client_kill_filter(_id=feeds[0]["id"])
    assert eventually(lambda: cache.get("k") == "v2", seconds=3)
    assert eventually(lambda: cache.subscription.live), "the feed did not subscribe again"


def test_a_hung_redis_stops_the_feed_being_live_until_it_answers_again(private_redis):
    url, connection = private_redis
    state = RedisState(url, "idp-near:")
    cache = near(state)
    pid = connection.info()["process_id"]
    os.kill(pid, signal.SIGSTOP)
    try:
        assert eventually(lambda: not cache.subscription.live, seconds=6)
    finally:
        os.kill(pid, signal.SIGCONT)
    assert eventually(lambda: cache.subscription.live, seconds=10)


@needs_redis
def test_the_feed_thread_ends_once_its_state_is_gone(prefix):
    """A torn-down app (every test's) leaves no thread listening on behind it."""
    import gc
    import threading

    before = set(threading.enumerate())
    state = RedisState(REDIS_URL, prefix)
    cache = near(state)
    (thread,) = [t for t in set(threading.enumerate()) - before if t.name == "idp-feed"]
    del state, cache
    gc.collect()
    assert eventually(lambda: not thread.is_alive(), seconds=3)


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_client_read_before_its_change_is_not_put_back_after_it(app, kind, prefix):
    """The token endpoint's client cache (idp.oauth.client_cache): a request loads the client
    row just before an admin disables it and stores what it loaded just after the change was
    forgotten. The old row must not be served to the next requests (before: for the cache's
    300 seconds, on every process of every instance)."""
    from idp.oauth.client_cache import cached_client, forget
    from idp.oauth.models import OAuthClient

    if kind == "redis":
        state = build(kind, "", prefix)
    else:
        from idp.extensions import db
        from idp.state.sql_state import SqlState

        state = SqlState(db.engine)
    old = OAuthClient(client_id="svc", name="Svc", disabled=False, secret_hash="h")
    new = OAuthClient(client_id="svc", name="Svc", disabled=True, secret_hash="h")

    def load_then_changed(client_id):
        forget(state, client_id)  # the admin's change lands between this read and the fill
        return old

    assert cached_client(state, "svc", load_then_changed) is old
    served = cached_client(state, "svc", lambda client_id: new)
    assert served is not None and served.disabled is True
    again = cached_client(state, "svc", lambda client_id: new)
    assert again is not None and again.disabled is True
