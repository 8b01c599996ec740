"""A process-local copy of rarely changed shared-state values, trusted only while the
process hears every change (see :mod:`idp.state.feed`).

Why: on the token and introspection paths the client record is read from Redis on every
request, a round trip that cost a third of an introspection's CPU. Clients change a few times
a day; every change goes through :meth:`NearCache.forget`, which deletes the shared value and
announces it on the channel.

Each local entry carries the feed's generation from *before* its shared read; it is served
only while the generation is still that one, the feed is live, and it is younger than
``seconds``. So a change announced while a reader was fetching is never kept, a lost or
silent subscription sends every read to the shared state until it is back, and a process
that cannot hear at all (the embedded SQL state has no feed) always reads through. The one
window left is the delivery of an announcement (under a millisecond on a healthy Redis),
the same as between two instances reading Redis.
"""

from __future__ import annotations

import time

from idp.state.base import SharedState
from idp.state.feed import Subscription

NEAR_SECONDS = 60.0
NEAR_MAX_ENTRIES = 256


class NearCache:
    def __init__(
        self,
        state: SharedState,
        channel: str,
        subscription: Subscription | None,
        *,
        seconds: float = NEAR_SECONDS,
        max_entries: int = NEAR_MAX_ENTRIES,
        clock=time.monotonic,
    ):
        self.state = state
        self.channel = channel
        self.subscription = subscription
        self.seconds = seconds
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[str, tuple[str, int, float]] = {}

    def get(self, key: str) -> str | None:
        feed = self.subscription
        if feed is None or not feed.live:
            return self.state.get(key)
        generation = feed.generation
        entry = self._entries.get(key)
        if entry is not None and entry[1] == generation and entry[2] > self.clock():
            return entry[0]
        value = self.state.get(key)
        if value is not None:
            self._keep(key, value, generation)
        return value

    def set(self, key: str, value: str, ttl: int) -> None:
        """Store in the shared state (for every process) and, while live, here."""
        feed = self.subscription
        generation = feed.generation if feed is not None and feed.live else None
        self.state.set(key, value, ttl)
        if generation is not None:
            self._keep(key, value, generation)

    def forget(self, key: str) -> None:
        """Delete the shared value and tell every process to drop its copy."""
        self.state.delete(key)
        self._entries.pop(key, None)
        self.state.publish(self.channel)

    def _keep(self, key: str, value: str, generation: int) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries = {}
        self._entries[key] = (value, generation, self.clock() + self.seconds)


def near_cache(state: SharedState, channel: str) -> NearCache:
    """The process's near cache for ``channel`` in front of ``state`` (one per pair, kept on
    the state: it lives and goes with it)."""
    per_state = state.near_caches
    cache = per_state.get(channel)
    if cache is None:
        cache = per_state.setdefault(
            channel, NearCache(state, channel, state.subscription(channel))
        )
    return cache
