"""Idle pooled connections are pinged before use, busy ones are not (``pool_pre_ping``
pinged on every checkout): a connection killed while it sat in the pool is replaced before
a request sees it. On PostgreSQL: the server ends the connection as a restart would."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, event, text

from idp.storage import ping_idle_connections


@pytest.fixture
def engine(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("kills a server connection: PostgreSQL only")
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _kill(database_url: str, pid: int) -> None:
    admin = create_engine(database_url)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def _pings(engine) -> list[int]:
    pings: list[int] = []
    original = engine.dialect.do_ping

    def counted(dbapi_conn):
        pings.append(1)
        return original(dbapi_conn)

    engine.dialect.do_ping = counted
    return pings


def test_a_connection_in_steady_use_is_not_pinged(engine):
    ping_idle_connections(engine, idle_seconds=60)
    pings = _pings(engine)
    assert len({_backend_pid(engine) for _ in range(20)}) == 1
    assert pings == []


def test_a_connection_killed_while_idle_is_replaced_before_use(engine, database_url):
    ping_idle_connections(engine, idle_seconds=0.1)
    pings = _pings(engine)
    first = _backend_pid(engine)
    _kill(database_url, first)
    time.sleep(0.2)
    assert _backend_pid(engine) != first
    assert pings == [1]


def test_without_the_idle_ping_the_dead_connection_would_reach_the_request(engine, database_url):
    """What the ping prevents (the same kill, with a threshold never reached)."""
    ping_idle_connections(engine, idle_seconds=60)
    errors: list[BaseException] = []
    event.listen(engine, "handle_error", lambda context: errors.append(context.original_exception))
    first = _backend_pid(engine)
    _kill(database_url, first)
    time.sleep(0.2)
    with pytest.raises(Exception):  # noqa: B017 - the driver's disconnect error
        _backend_pid(engine)
    assert errors
