"""Redis loses its data (FLUSHALL, or a restart without persistence): what must hold holds.

Locks, their doubling and the TOTP replay guard come back from the database; the cost is that
people sign in again (their SSO sessions were in Redis).
"""

from __future__ import annotations

import logging

from idp import services
from idp.security.lockout import key
from idp.state import durable_state, shared_state
from tests.factories import PASSWORD, make_user
from tests.reliability.helpers import add_service_client, token
from tests.support.signin import enroll_totp, post_login


def lock_out(client, username, ip="127.0.0.1"):
    settings = client.application.config["IDP_SETTINGS"]
    for _ in range(settings.auth_lockout_failures):
        assert post_login(client, username, "wrong password!", ip=ip).status_code == 401


def test_a_lock_survives_a_flush_and_ends_on_time(redis_app, redis, clock):
    user = make_user("nora")
    client = redis_app.test_client()
    lock_out(client, "nora")
    redis.flush()
    assert post_login(client, "nora", PASSWORD).status_code == 401, "locked source got in"
    # Only this source is locked, and only for the lock's time.
    assert post_login(client, "nora", PASSWORD, ip="10.1.1.1").status_code == 302
    clock.advance(15 * 60 + 1)
    redis.flush()
    assert post_login(client, "nora", PASSWORD).status_code == 302
    assert user.status == "active"


def test_failures_towards_a_lock_survive_a_flush(redis_app, redis):
    """A flush between guesses gives no extra guesses: the count goes on."""
    make_user("nils")
    client = redis_app.test_client()
    limit = redis_app.config["IDP_SETTINGS"].auth_lockout_failures
    for _ in range(limit - 1):
        assert post_login(client, "nils", "wrong password!").status_code == 401
    redis.flush()
    assert post_login(client, "nils", "wrong password!").status_code == 401
    assert post_login(client, "nils", PASSWORD).status_code == 401, "one more guess after a flush"


def test_the_doubling_survives_a_flush(redis_app, redis, clock):
    make_user("omar")
    client = redis_app.test_client()
    lock_out(client, "omar")
    clock.advance(15 * 60 + 1)
    redis.flush()
    lock_out(client, "omar")
    clock.advance(15 * 60 + 1)
    redis.flush()
    assert post_login(client, "omar", PASSWORD).status_code == 401, "the second lock was 15 min"
    clock.advance(15 * 60)
    assert post_login(client, "omar", PASSWORD).status_code == 302


def test_a_used_totp_code_stays_used_after_a_flush(redis_app, redis, clock):
    user = make_user("pia")
    totp, _ = enroll_totp(user, clock)
    mfa = services.mfa()
    code = totp.at(clock.time())
    assert mfa.verify_totp(user, code)
    redis.flush()
    assert not mfa.verify_totp(user, code), "a used code was accepted again"


def test_a_flush_costs_the_sessions(redis_app, redis):
    """What a flush does cost: signed-in browsers sign in again (and nothing worse)."""
    make_user("quinn")
    client = redis_app.test_client()
    assert post_login(client, "quinn", PASSWORD).status_code == 302
    assert client.get("/account").status_code == 200
    redis.flush()
    assert client.get("/account").status_code == 302
    assert post_login(client, "quinn", PASSWORD).status_code == 302


def test_restore_is_one_warning_and_the_hot_path_one_round_trip(redis_app, redis, caplog):
    durable = durable_state()
    durable.set(key("lock", "u", "ip:x"), "9999999999.0", 600)
    redis.flush()
    with caplog.at_level(logging.WARNING, logger="idp.state.durable"):
        assert durable.get(key("lock", "u", "ip:x")) == "9999999999.0"
        assert durable.get(key("lock", "u", "ip:y")) is None
    assert len(caplog.records) == 1 and "restored 1 " in caplog.records[0].getMessage()
    # Restored into Redis itself, and marked intact: the next reads need no database.
    value, intact = shared_state().get_intact(key("lock", "u", "ip:x"))
    assert value == "9999999999.0" and intact


def test_markers_are_decided_by_the_database(redis_app, redis):
    durable = durable_state()
    assert durable.add("marker:a", "1", 60)
    redis.flush()
    assert not durable.add("marker:a", "1", 60)


def test_a_revoked_access_token_stays_revoked_after_a_flush(redis_app, redis):
    secret = add_service_client(redis_app, "batch")
    client = redis_app.test_client()
    issued = token(client, secret, "batch").get_json()["access_token"]
    revoked = client.post("/oauth/revoke", data={"token": issued}, auth=("batch", secret))
    assert revoked.status_code == 200
    assert not _active(client, issued, secret)
    redis.flush()
    assert not _active(client, issued, secret)


def _active(client, token, secret) -> bool:
    response = client.post("/oauth/introspect", data={"token": token}, auth=("batch", secret))
    assert response.status_code == 200, response.data
    return bool(response.get_json()["active"])
