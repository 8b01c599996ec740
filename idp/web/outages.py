"""Which errors mean "a dependency is unreachable" (database, Redis), and how to say so.

Such an error is not a bug of the request: it gets 503 with ``Retry-After`` and one warning
line naming the dependency and the driver's reason, never a traceback. The database session
is rolled back so the same worker serves the next request normally once the dependency is
back (``idp.storage.ping_idle_connections`` replaces dead pooled connections; the Redis
client reconnects).
"""

from __future__ import annotations

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

DATABASE_ERRORS = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)
REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError)

MESSAGE = "The service is briefly unavailable. Try again in a few seconds."


def _is_outage(exc: BaseException) -> bool:
    if isinstance(exc, DATABASE_ERRORS + REDIS_ERRORS):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def dependency_error(exc: BaseException | None) -> BaseException | None:
    """The outage behind ``exc`` (itself, what it wraps or what caused it), else None."""
    seen = 0
    while exc is not None and seen < 8:
        if _is_outage(exc):
            return exc
        exc = getattr(exc, "original_exception", None) or exc.__cause__ or exc.__context__
        seen += 1
    return None


def describe(exc: BaseException) -> str:
    """``database unreachable: <the driver's reason, first line>`` (or ``redis ...``)."""
    which = "redis" if isinstance(exc, REDIS_ERRORS) else "database"
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return f"{which} unreachable: {type(cause).__name__}: {lines[0] if lines else ''}"[:300]
