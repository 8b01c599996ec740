"""A change feed: every process hears, within a moment, that something changed.

:class:`Subscription` is what a process-local copy of shared data needs to know whether it may
still trust itself (see :mod:`idp.state.near_cache`): ``generation`` moves on every change
announced on the channel by any process, and on every moment the process may have missed one
(the subscription is new, was lost, or has heard nothing lately); ``live`` is True only while
the process is subscribed and has heard from Redis within :data:`SILENCE_SECONDS`.

:class:`RedisSubscription` keeps one Redis pub/sub connection per process and channel on a
daemon thread, started on first use in each process (so a server that forks its workers after
loading the app gets one per worker). It publishes a heartbeat on the channel it listens to every
:data:`HEARTBEAT_SECONDS`: a connection that stops delivering (Redis hung, or cut off by the
network without a reset) is noticed by its silence, not only by an error.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import weakref
from typing import Protocol

import redis

log = logging.getLogger(__name__)

HEARTBEAT = "tick"
HEARTBEAT_SECONDS = 1.0
#: Heard nothing for this long (not even the process's own heartbeat): no longer live.
SILENCE_SECONDS = 3.0
RETRY_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)


class Subscription(Protocol):
    @property
    def generation(self) -> int: ...

    @property
    def live(self) -> bool: ...


class RedisSubscription:
    def __init__(self, client: redis.Redis, channel: str, *, clock=time.monotonic):
        self.client = client
        self.channel = channel
        self.clock = clock
        self._generation = 0
        self._subscribed = False
        self._heard = 0.0
        self._pid: int | None = None
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        self._ensure_listening()
        return self._generation

    @property
    def live(self) -> bool:
        self._ensure_listening()
        return self._subscribed and self.clock() - self._heard < SILENCE_SECONDS

    def _ensure_listening(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._subscribed = False
            self._generation += 1
            # The thread holds the subscription only weakly: once the state that owns it is
            # gone (an app torn down, a test's), the thread ends instead of listening on.
            threading.Thread(
                target=_listen, args=(weakref.ref(self), self._pid), name="idp-feed", daemon=True
            ).start()

    def _missed(self) -> None:
        self._subscribed = False
        self._generation += 1


def _listen(ref: weakref.ref[RedisSubscription], pid: int) -> None:
    failures = 0
    while (feed := ref()) is not None and feed._pid == pid:
        pubsub = feed.client.pubsub()
        try:
            pubsub.subscribe(feed.channel)
            beat = 0.0
            while feed is not None and feed._pid == pid:
                now = feed.clock()
                if now - beat >= HEARTBEAT_SECONDS:
                    feed.client.publish(feed.channel, HEARTBEAT)
                    beat = now
                if feed._subscribed and now - feed._heard >= SILENCE_SECONDS:
                    raise redis.ConnectionError("the change feed went silent")
                feed = None  # not held while waiting
                message = pubsub.get_message(timeout=HEARTBEAT_SECONDS / 4)
                feed = ref()
                if message is None or feed is None:
                    continue
                if message["type"] == "subscribe":
                    # Anything announced before this moment was missed.
                    feed._generation += 1
                    feed._heard = feed.clock()
                    feed._subscribed = True
                    failures = 0
                elif message["type"] == "message":
                    if message["data"] != HEARTBEAT:
                        feed._generation += 1
                    feed._heard = feed.clock()
        except Exception as exc:  # any failure: stop trusting, then subscribe again
            level = logging.WARNING if failures == 0 else logging.DEBUG
            log.log(level, "change feed lost: %s", exc)
        finally:
            feed = ref()
            if feed is not None:
                feed._missed()
            feed = None
            with contextlib.suppress(Exception):  # the connection is gone either way
                pubsub.close()
        time.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
        failures += 1
