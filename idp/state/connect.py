"""One place that turns ``[redis] url`` into a client: plain Redis or Redis Sentinel.

``redis://``, ``rediss://`` and ``unix://`` URLs go to redis-py as they are. A Sentinel URL
names the sentinels and the monitored service; the client asks a sentinel for the current
master on every (re)connect, so a failover moves the idp with it::

    redis+sentinel://[:password@]host:port[,host:port...]/service_name[/db]

The password (optional) is the master's (``requirepass``); sentinels are asked without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

import redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry
from redis.sentinel import Sentinel

from idp.common.digits import ascii_digits

SENTINEL_SCHEME = "redis+sentinel://"
DEFAULT_SENTINEL_PORT = 26379


@dataclass(frozen=True)
class SentinelTarget:
    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    password: str | None = None


def _host_port(item: str) -> tuple[str, int]:
    if item.startswith("["):  # [IPv6]:port
        host, _, rest = item[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        host, _, port = item.rpartition(":") if ":" in item else (item, "", "")
    if not host:
        raise ValueError(f"sentinel {item!r} has no host")
    try:
        number = int(port) if port else DEFAULT_SENTINEL_PORT
    except ValueError:
        raise ValueError(f"sentinel {item!r}: the port must be a number") from None
    if not 0 < number < 65536:
        raise ValueError(f"sentinel {item!r}: the port must be from 1 to 65535")
    return host, number


def parse_sentinel_url(url: str) -> SentinelTarget:
    """Raises ValueError with what is wrong (shown by the settings check)."""
    if not url.startswith(SENTINEL_SCHEME):
        raise ValueError(f"a Sentinel URL starts with {SENTINEL_SCHEME}")
    rest = url[len(SENTINEL_SCHEME) :]
    netloc, _, path = rest.partition("/")
    password = None
    if "@" in netloc:
        auth, _, netloc = netloc.rpartition("@")
        password = unquote(auth.partition(":")[2] if ":" in auth else auth) or None
    sentinels = tuple(_host_port(item) for item in netloc.split(",") if item)
    if not sentinels:
        raise ValueError("name at least one sentinel (host:port)")
    parts = [p for p in path.split("/") if p]
    if not parts or len(parts) > 2:
        raise ValueError("give the service name (and optionally the db): /mymaster or /mymaster/0")
    db = 0
    if len(parts) == 2:
        if not ascii_digits(parts[1]):
            raise ValueError("the db after the service name must be a number")
        db = int(parts[1])
    return SentinelTarget(sentinels, unquote(parts[0]), db, password)


def redis_client(
    url: str,
    *,
    connect_timeout: float = 0.25,
    timeout: float = 0.5,
    decode: bool = True,
    client_name: str | None = None,
) -> redis.Redis:
    """A client for any URL the ``redis_url`` setting accepts, with short timeouts (an
    unreachable or hung Redis fails the request quickly, 503, instead of holding a worker)
    and one immediate retry for a broken pooled connection (after a Redis restart); a
    timeout is not retried."""
    options = {
        "decode_responses": decode,
        "socket_connect_timeout": connect_timeout,
        "socket_timeout": timeout,
        "health_check_interval": 15,
        "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        "client_name": client_name,
    }
    if not url.startswith(SENTINEL_SCHEME):
        return redis.Redis.from_url(url, **options)
    target = parse_sentinel_url(url)
    sentinel = Sentinel(
        list(target.sentinels),
        sentinel_kwargs={"socket_connect_timeout": connect_timeout, "socket_timeout": timeout},
    )
    return sentinel.master_for(target.service, db=target.db, password=target.password, **options)
