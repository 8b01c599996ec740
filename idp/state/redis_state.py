"""Shared state on Redis."""

from __future__ import annotations

from idp.state.base import SharedState
from idp.state.connect import redis_client

# INCRBY then set the expiry only on the first increment, in one atomic step.
_INCR_SCRIPT = """
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return v
"""


class RedisState(SharedState):
    name = "redis"

    def __init__(self, url: str, prefix: str = "idp:"):
        self.client = redis_client(url)  # redis://, rediss://, unix:// or redis+sentinel://
        self.prefix = prefix
        self._incr = self.client.register_script(_INCR_SCRIPT)

    def _k(self, key: str) -> str:
        return self.prefix + key

    def incr(self, key: str, ttl: int, amount: int = 1) -> int:
        return int(self._incr(keys=[self._k(key)], args=[amount, max(1, int(ttl))]))

    def get(self, key: str) -> str | None:
        return self.client.get(self._k(key))

    def set(self, key: str, value: str, ttl: int) -> None:
        self.client.set(self._k(key), value, ex=max(1, int(ttl)))

    def add(self, key: str, value: str, ttl: int) -> bool:
        return bool(self.client.set(self._k(key), value, ex=max(1, int(ttl)), nx=True))

    def pop(self, key: str) -> str | None:
        return self.client.getdel(self._k(key))

    def delete(self, key: str) -> None:
        self.client.delete(self._k(key))

    def ttl(self, key: str) -> int | None:
        left = self.client.ttl(self._k(key))
        return None if left is None or left < 0 else int(left)

    def ping(self) -> None:
        self.client.ping()
