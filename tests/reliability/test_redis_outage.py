"""Redis stopped or hung: 503 with Retry-After, one log line, quickly; then recovery without
a restart, and the lockout never skipped meanwhile."""

from __future__ import annotations

import logging
import time

import pytest

from tests.factories import PASSWORD, make_user
from tests.reliability.conftest import NO_IP_LIMITS
from tests.reliability.helpers import (
    add_service_client,
    assert_one_line_each,
    assert_unavailable,
    outage_records,
    token,
)
from tests.reliability.servers import SilentServer
from tests.support.auth import login_as
from tests.support.signin import post_login


@pytest.fixture
def service_client(redis_app):
    return add_service_client(redis_app)


def _clients_feed_lost(app, seconds: float = 5.0) -> bool:
    """Until the process hears that its change feed is gone (a moment: the connection
    closes), a client credentials token may still be issued from its copy of the client,
    as nothing else of that grant lives in Redis; from then on the token endpoint reads
    Redis and answers 503 (idp.state.near_cache)."""
    from idp.oauth.client_cache import CLIENTS_CHANNEL
    from idp.state.near_cache import near_cache

    with app.app_context():
        from idp.state import shared_state

        feed = near_cache(shared_state(), CLIENTS_CHANNEL).subscription
    deadline = time.monotonic() + seconds
    while feed is not None and feed.live and time.monotonic() < deadline:
        time.sleep(0.02)
    return feed is None or not feed.live


def test_redis_stopped_gives_503_one_line_each_then_recovers(
    redis_app, redis, service_client, caplog
):
    user = make_user("oliver")
    client = redis_app.test_client()
    assert post_login(client, "oliver", PASSWORD).status_code == 302
    assert token(client, service_client).status_code == 200

    signed_in = redis_app.test_client()
    login_as(signed_in, user)
    assert signed_in.get("/account").status_code == 200

    redis.stop()
    assert _clients_feed_lost(redis_app)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        started = time.monotonic()
        assert_unavailable(post_login(client, "oliver", PASSWORD), json=False)
        assert_unavailable(token(client, service_client), json=True)
        assert_unavailable(signed_in.get("/account"), json=False)
        ready = client.get("/readyz")
        elapsed = time.monotonic() - started
    assert ready.status_code == 503 and "redis" in ready.get_json()["failed"]
    assert ready.headers["Retry-After"]
    assert elapsed < 5, f"four requests took {elapsed:.1f}s with Redis down"
    assert_one_line_each(caplog, 3, "redis")

    redis.start()  # back, and empty
    assert post_login(client, "oliver", PASSWORD).status_code == 302
    assert token(client, service_client).status_code == 200
    assert client.get("/readyz").status_code == 200
    assert signed_in.get("/account").status_code == 302, "its session went with Redis' data"
    assert user.status == "active"


def test_a_locked_source_stays_locked_through_an_outage(redis_app, redis):
    """While Redis is down the lock cannot be read: the right password gets 503, never in."""
    make_user("maria")
    client = redis_app.test_client()
    for _ in range(redis_app.config["IDP_SETTINGS"].auth_lockout_failures):
        assert post_login(client, "maria", "wrong password!").status_code == 401
    assert post_login(client, "maria", PASSWORD).status_code == 401

    redis.stop()
    assert post_login(client, "maria", PASSWORD).status_code == 503
    redis.start()  # restarted empty: the lock comes back from the database
    assert post_login(client, "maria", PASSWORD).status_code == 401
    assert post_login(client, "maria", PASSWORD, ip="10.9.9.9").status_code == 302


def test_a_hung_redis_costs_a_request_well_under_a_second(make_app, caplog):
    """Accepts connections, never answers: the short timeouts answer 503 promptly."""
    silent = SilentServer()
    try:
        app = make_app(redis_url=silent.url, **NO_IP_LIMITS)
        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        with app.app_context(), caplog.at_level(logging.WARNING):
            for _ in range(3):
                started = time.monotonic()
                response = post_login(client, "anyone", "whatever it is")
                elapsed = time.monotonic() - started
                assert_unavailable(response, json=False)
                assert elapsed < 1.5, f"{elapsed:.2f}s"
            ready = client.get("/readyz")
        assert ready.status_code == 503
        assert all(r.exc_info is None for r in outage_records(caplog))
    finally:
        silent.close()


def test_redis_timeouts_come_from_the_settings(make_app, redis):
    app = make_app(redis_url=redis.url, redis_connect_timeout_ms=120, redis_timeout_ms=340)
    with app.app_context():
        from idp.state import shared_state

        kwargs = shared_state().client.connection_pool.connection_kwargs
    assert kwargs["socket_connect_timeout"] == pytest.approx(0.12)
    assert kwargs["socket_timeout"] == pytest.approx(0.34)
