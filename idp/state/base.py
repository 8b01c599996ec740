"""The shared-state port. Keys are plain strings; values are strings (JSON for records)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from idp.state.feed import Subscription


class KeyValues(Protocol):
    """What a service needs of a state it only reads and writes by key: met by every
    :class:`SharedState` and by :class:`idp.state.durable.DurableState`."""

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl: int) -> None: ...

    def add(self, key: str, value: str, ttl: int) -> bool: ...

    def delete(self, key: str) -> None: ...


class SharedState(ABC):
    """Short-lived state every process and instance sees the same way.

    Every operation is atomic on its own; ``ttl`` is in whole seconds and always required
    for writes, so nothing stays forever.
    """

    name = "abstract"

    @abstractmethod
    def incr(self, key: str, ttl: int, amount: int = 1) -> int:
        """Add ``amount`` to a counter and return the new value.

        A missing or expired counter starts from zero and lives ``ttl`` seconds from this
        first increment (a fixed window); later increments do not extend it.
        """

    @abstractmethod
    def get(self, key: str) -> str | None:
        """The value, or None when missing or expired."""

    @abstractmethod
    def set(self, key: str, value: str, ttl: int) -> None:
        """Store a value for ``ttl`` seconds, replacing any earlier one."""

    @abstractmethod
    def add(self, key: str, value: str, ttl: int) -> bool:
        """Store only if the key is absent (or expired); True when stored."""

    @abstractmethod
    def replace(self, key: str, expected: str, value: str, ttl: int) -> bool:
        """Store only if the key holds ``expected`` now (compare and set); True when stored."""

    @abstractmethod
    def pop(self, key: str) -> str | None:
        """Read and delete in one step: of two concurrent callers only one gets the value."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Forget a key (no error when missing)."""

    @abstractmethod
    def ttl(self, key: str) -> int | None:
        """Whole seconds left, or None when missing or expired."""

    @abstractmethod
    def ping(self) -> None:
        """Raise when the backend cannot be reached."""

    def get_many(self, keys: list[str]) -> list[str | None]:
        """The values of ``keys``, in order (None where missing): one round trip where the
        backend has one (Redis: MGET). Each value is read atomically, not the set."""
        return [self.get(key) for key in keys]

    def set_many(self, entries: list[tuple[str, str, int]]) -> None:
        """``set`` each ``(key, value, ttl)``, in one round trip where the backend has one
        (Redis: a pipeline). Each write is atomic on its own, as ``set`` is; not the set."""
        for key, value, ttl in entries:
            self.set(key, value, ttl)

    def get_intact(self, key: str) -> tuple[str | None, bool]:
        """The value, and whether the backend still holds everything written to it.

        False means it lost its data since the last :meth:`restore` (Redis restarted empty,
        flushed, or evicted keys), so a missing key proves nothing. A backend in the SQL
        database never loses its data.
        """
        return self.get(key), True

    def restore(self, entries: list[tuple[str, str, int]]) -> None:
        """Put back ``(key, value, ttl)`` where the key is missing, then count as intact.

        A backend that never loses its data has nothing to put back."""
        return None

    @property
    def near_caches(self) -> dict:
        """This state's process-local caches by channel (see :mod:`idp.state.near_cache`)."""
        found = self.__dict__.get("_near_caches")
        if found is None:
            found = self.__dict__.setdefault("_near_caches", {})
        return found

    def publish(self, channel: str, message: str = "changed") -> None:
        """Announce a change on ``channel`` to every process (see :meth:`subscription`).

        A backend without a change feed has no one to tell: nothing trusts a copy of it."""
        return None

    def subscription(self, channel: str) -> Subscription | None:
        """This process's subscription to ``channel``, or None when the backend has no
        change feed (then a process-local copy can never be trusted: see
        :mod:`idp.state.near_cache`)."""
        return None
