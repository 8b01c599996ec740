"""PostgreSQL stopped: 503 with Retry-After and one log line per request, then recovery
without a restart (dead pooled connections are replaced). Runs on a cluster of its own."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import create_engine, text

from idp import create_app
from idp.extensions import db
from tests.factories import PASSWORD, make_user
from tests.reliability.conftest import NO_IP_LIMITS
from tests.reliability.helpers import (
    SERVICE_ID,
    add_service_client,
    assert_one_line_each,
    assert_unavailable,
    token,
)
from tests.reliability.servers import PostgresServer
from tests.support.signin import post_login


@pytest.fixture(scope="session")
def postgres():
    why_not = PostgresServer.available()
    if why_not:
        pytest.skip(f"no PostgreSQL cluster of our own: {why_not}")
    server = PostgresServer().init()
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('CREATE DATABASE "idp"'))
    admin.dispose()
    yield server
    server.close()


@pytest.fixture(params=["embedded state", "redis"])
def pg_app(request, postgres, base_settings, tmp_path):
    if postgres.stopped:
        postgres.start()
    overrides = {
        **base_settings,
        **NO_IP_LIMITS,
        "database_url": postgres.url.rsplit("/", 1)[0] + "/idp",
        "redis_url": "",
    }
    if request.param == "redis":
        redis = request.getfixturevalue("redis")
        overrides["redis_url"] = redis.url
    app = create_app(overrides)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    with app.app_context():
        from idp.storage import upgrade_database

        upgrade_database()
        from tests.conftest import _empty_all_tables

        _empty_all_tables()
        yield app
        db.session.remove()
        db.engine.dispose()


def token_with_a_fresh_client(app, client, secret):
    """The token endpoint where it needs the database: with Redis, a client read shortly
    before is served from the client cache there (client_credentials then writes nothing)."""
    from idp.oauth.client_cache import client_cache_key
    from idp.state import shared_state

    if app.config["IDP_SETTINGS"].redis_url:  # else the cache is in the stopped database
        shared_state().delete(client_cache_key(SERVICE_ID))
    return token(client, secret)


def test_postgres_stopped_gives_503_then_recovers(pg_app, postgres, caplog):
    make_user("rosa")
    secret = add_service_client(pg_app)
    db.session.remove()
    client = pg_app.test_client()
    assert post_login(client, "rosa", PASSWORD).status_code == 302
    assert token(client, secret).status_code == 200

    postgres.stop()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert_unavailable(post_login(client, "rosa", PASSWORD), json=False)
        assert_unavailable(client.get("/account"), json=False)
        assert_unavailable(token_with_a_fresh_client(pg_app, client, secret), json=True)
        ready = client.get("/readyz")
    assert ready.status_code == 503 and "database" in ready.get_json()["failed"]
    assert_one_line_each(caplog, 3, "database")

    postgres.start()
    assert post_login(client, "rosa", PASSWORD).status_code == 302
    assert token(client, secret).status_code == 200
    assert client.get("/readyz").status_code == 200


def test_a_hung_database_costs_a_request_the_connect_timeout(make_app, caplog):
    """Accepts connections, never answers: the connect timeout answers 503."""
    import time

    from tests.reliability.servers import SilentServer

    silent = SilentServer()
    try:
        app = make_app(
            database_url=f"postgresql+psycopg://idp@127.0.0.1:{silent.port}/idp",
            database_connect_timeout_seconds=2,
            redis_url="",
        )
        app.config["WTF_CSRF_ENABLED"] = False
        with app.app_context(), caplog.at_level(logging.WARNING):
            started = time.monotonic()
            response = post_login(app.test_client(), "anyone", "whatever it is")
            elapsed = time.monotonic() - started
        assert_unavailable(response, json=False)
        assert elapsed < 6, f"{elapsed:.1f}s"
        assert_one_line_each(caplog, 1, "database")
    finally:
        silent.close()
