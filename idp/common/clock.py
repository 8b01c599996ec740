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


#: Where a running app keeps its clock (tests install a FixedClock there).
EXTENSION_KEY = "idp_clock"


def app_clock() -> Clock:
    """The running app's clock: the one installed under ``EXTENSION_KEY``, else real time."""
    from flask import current_app

    return current_app.extensions.get(EXTENSION_KEY) or Clock()


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
