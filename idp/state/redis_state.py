"""Shared state on Redis.

Timeouts are short (``[redis] connect_timeout_ms``, ``timeout_ms``): an unreachable or hung
Redis fails the request quickly (503) instead of holding a worker. A broken pooled connection
(after a Redis restart) is retried once on a new connection; a timeout is not retried.

An *intact marker* key without expiry is written only by :meth:`RedisState.restore`, after
the durable records were put back; when Redis loses its data the marker goes with it, and
:meth:`get_intact` reports so in the same round trip as the value.
"""

from __future__ import annotations

from idp.state.base import SharedState
from idp.state.connect import redis_client
from idp.state.feed import RedisSubscription

# INCRBY then set the expiry only on the first increment, in one atomic step.
_INCR_SCRIPT = """
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return v
"""

_REPLACE_SCRIPT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
"""

INTACT_KEY = "state:intact"


def _text(value: bytes | str | None) -> str | None:
    """The client decodes responses (``decode_responses``); this tells the type checker."""
    return value.decode() if isinstance(value, bytes) else value


class RedisState(SharedState):
    name = "redis"

    def __init__(
        self,
        url: str,
        prefix: str = "idp:",
        *,
        connect_timeout: float = 0.25,
        timeout: float = 0.5,
    ):
        self.client = redis_client(url, connect_timeout=connect_timeout, timeout=timeout)
        self.prefix = prefix
        self._incr = self.client.register_script(_INCR_SCRIPT)
        self._replace = self.client.register_script(_REPLACE_SCRIPT)
        self._feed_client = lambda: redis_client(
            url,
            connect_timeout=connect_timeout,
            timeout=timeout,
            client_name=f"{prefix}feed".replace(" ", "_"),
        )
        self._subscriptions: dict[str, RedisSubscription] = {}

    def _k(self, key: str) -> str:
        return self.prefix + key

    def incr(self, key: str, ttl: int, amount: int = 1) -> int:
        return int(self._incr(keys=[self._k(key)], args=[amount, max(1, int(ttl))]))

    def get(self, key: str) -> str | None:
        return _text(self.client.get(self._k(key)))

    def set(self, key: str, value: str, ttl: int) -> None:
        self.client.set(self._k(key), value, ex=max(1, int(ttl)))

    def get_many(self, keys: list[str]) -> list[str | None]:
        if not keys:
            return []
        return [_text(value) for value in self.client.mget([self._k(key) for key in keys])]

    def set_many(self, entries: list[tuple[str, str, int]]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for key, value, ttl in entries:
            pipe.set(self._k(key), value, ex=max(1, int(ttl)))
        pipe.execute()

    def add(self, key: str, value: str, ttl: int) -> bool:
        return bool(self.client.set(self._k(key), value, ex=max(1, int(ttl)), nx=True))

    def replace(self, key: str, expected: str, value: str, ttl: int) -> bool:
        return bool(self._replace(keys=[self._k(key)], args=[expected, value, max(1, int(ttl))]))

    def pop(self, key: str) -> str | None:
        return _text(self.client.getdel(self._k(key)))

    def delete(self, key: str) -> None:
        self.client.delete(self._k(key))

    def ttl(self, key: str) -> int | None:
        left = self.client.ttl(self._k(key))
        return None if left is None or left < 0 else int(left)

    def ping(self) -> None:
        self.client.ping()

    def publish(self, channel: str, message: str = "changed") -> None:
        self.client.publish(self._k(channel), message)

    def subscription(self, channel: str) -> RedisSubscription:
        """One per channel and state; its connection (named ``<prefix>feed``, so that
        ``CLIENT LIST`` shows it) is its own, never one of the pool's."""
        found = self._subscriptions.get(channel)
        if found is None:
            found = self._subscriptions.setdefault(
                channel, RedisSubscription(self._feed_client(), self._k(channel))
            )
        return found

    def get_intact(self, key: str) -> tuple[str | None, bool]:
        value, marker = self.client.mget([self._k(key), self._k(INTACT_KEY)])
        return _text(value), marker is not None

    def restore(self, entries: list[tuple[str, str, int]]) -> None:
        # One MULTI/EXEC: a flush lands before all of it (the marker is gone too, and the
        # next reader restores again) or after all of it.
        pipe = self.client.pipeline(transaction=True)
        for key, value, ttl in entries:
            pipe.set(self._k(key), value, ex=max(1, int(ttl)), nx=True)
        pipe.set(self._k(INTACT_KEY), "1")
        pipe.execute()
