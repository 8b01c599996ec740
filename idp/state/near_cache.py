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

The shared entry has the same race one level down: a reader that read the source of truth
just before a change, and stored what it read just after the change was forgotten, would
put the old value back for every process until it expires (a disabled client, a rotated
secret, still taken). So :meth:`NearCache.forget` does not delete the entry but leaves a
mark of its own in it (:data:`FORGOTTEN` and a random id) for :data:`FORGET_SECONDS`, and
:meth:`NearCache.fill` stores only over what its reader saw there before reading the source
(:meth:`NearCache.read`): into an absent entry, or over that very mark. A change forgotten in
between has left another mark, and wins; a reader that saw a mark read the source after that
change, so what it stores is fresh. (Left: a reader that saw the entry absent and spent more
than :data:`FORGET_SECONDS` between its read and its write.)
"""

from __future__ import annotations

import time
import uuid

from idp.state.base import SharedState
from idp.state.feed import Subscription

NEAR_SECONDS = 60.0
NEAR_MAX_ENTRIES = 256
#: How a forgotten entry's value starts (read as absent); no cached value may start so.
FORGOTTEN = "forgotten:"
FORGET_SECONDS = 300


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
        return self.read(key)[0]

    def read(self, key: str) -> tuple[str | None, str | None]:
        """The value (None when absent or forgotten), and the forgotten entry's mark when
        there was one: what :meth:`fill` needs after a miss."""
        feed = self.subscription
        if feed is None or not feed.live:
            return _split(self.state.get(key))
        generation = feed.generation
        entry = self._entries.get(key)
        if entry is not None and entry[1] == generation and entry[2] > self.clock():
            return entry[0], None
        value, mark = _split(self.state.get(key))
        if value is not None:
            self._keep(key, value, generation)
        return value, mark

    def fill(self, key: str, value: str, ttl: int, mark: str | None) -> bool:
        """After a miss, store what the source of truth gave, in the shared state (for every
        process) and, while live, here: only over what :meth:`read` saw before that (nothing,
        or ``mark``), so a change forgotten since wins. True when stored."""
        feed = self.subscription
        generation = feed.generation if feed is not None and feed.live else None
        if mark is None:
            stored = self.state.add(key, value, ttl)
        else:
            stored = self.state.replace(key, mark, value, ttl)
        if stored and generation is not None:
            self._keep(key, value, generation)
        return stored

    def forget(self, key: str) -> None:
        """Mark the shared value forgotten and tell every process to drop its copy."""
        self.state.set(key, FORGOTTEN + uuid.uuid4().hex, FORGET_SECONDS)
        self._entries.pop(key, None)
        self.state.publish(self.channel)

    def _keep(self, key: str, value: str, generation: int) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries = {}
        self._entries[key] = (value, generation, self.clock() + self.seconds)


def _split(raw: str | None) -> tuple[str | None, str | None]:
    if raw is not None and raw.startswith(FORGOTTEN):
        return None, raw
    return raw, None


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
