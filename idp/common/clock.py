"""One source of the current time, so services and tests agree on it."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def time(self) -> float:
        return time.time()


class FixedClock(Clock):
    """A clock that moves only when told to (tests)."""

    def __init__(self, start: float | None = None):
        self._t = time.time() if start is None else start

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._t, UTC)

    def time(self) -> float:
        return self._t

    def advance(self, seconds: float) -> None:
        self._t += seconds


def utcnow() -> datetime:
    return datetime.now(UTC)
