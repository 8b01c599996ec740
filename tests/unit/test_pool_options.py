"""The PostgreSQL pool keeps a connection per concurrent use of a worker's threads."""

from __future__ import annotations

import pytest

from idp.storage import pool_options


def test_postgresql_pool_is_sized_for_the_threads():
    assert pool_options("postgresql+psycopg://h/db", 8) == {"pool_size": 18, "max_overflow": 5}
    assert pool_options("postgresql+psycopg://h/db", 1)["pool_size"] == 4


def test_sqlite_keeps_its_own_pool():
    assert pool_options("sqlite:///x.sqlite", 8) == {}


def test_the_app_engine_uses_it(app, database_url):
    from idp.extensions import db

    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's pool")
    assert db.engine.pool.size() == 2 * app.config["IDP_SETTINGS"].server_threads + 2
