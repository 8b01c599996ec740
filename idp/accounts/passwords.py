"""Password hashing with Argon2id (argon2-cffi), parameters from the ``[auth]`` settings.

A stored hash made with other parameters still verifies; :func:`needs_rehash` tells the
sign-in service to store a fresh hash once the password is known to be right. Unknown users
are checked against a dummy hash of the same parameters, so they cost as long as real ones.

Every Argon2 computation of the process (hash, verify, the dummy) waits for one of
:data:`ARGON2_SLOTS`, one per CPU the process may run on. Each takes 19 MiB at the
defaults: sixteen of them time-sliced on one core (2 workers x 8 threads) evict each
other's memory from the caches and cost 13-22 % more CPU each than one at a time
(docs/benchmarks.md). Waiting for a slot costs no CPU, and the GIL is free meanwhile, so
other requests' work goes on.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, e.g. under ``taskset``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


#: The bound on concurrent Argon2 work in this process.
ARGON2_SLOTS = threading.BoundedSemaphore(usable_cpus())


def _params(settings) -> tuple[int, int, int]:
    return (
        getattr(settings, "auth_argon2_time_cost", 2),
        getattr(settings, "auth_argon2_memory_kib", 19456),
        getattr(settings, "auth_argon2_parallelism", 1),
    )


@functools.lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def hasher_from(settings=None) -> PasswordHasher:
    if settings is None:
        return PasswordHasher()
    return _hasher(*_params(settings))


def hash_password(password: str, settings=None) -> str:
    hasher = hasher_from(settings)
    with ARGON2_SLOTS:
        return hasher.hash(password)


def _verify(hasher: PasswordHasher, stored_hash: str, password: str) -> bool:
    with ARGON2_SLOTS:
        return hasher.verify(stored_hash, password)


def verify_password(stored_hash: str | None, password: str, settings=None) -> bool:
    if not stored_hash:
        verify_dummy(password, settings)
        return False
    try:
        return _verify(hasher_from(settings), stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str, settings=None) -> bool:
    """True when the hash was made with other parameters than the configured ones."""
    try:
        return hasher_from(settings).check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


@functools.lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_kib: int, parallelism: int) -> str:
    with ARGON2_SLOTS:
        return _hasher(time_cost, memory_kib, parallelism).hash("dummy password for unknown users")


def verify_dummy(password: str, settings=None) -> None:
    """Spend the time of one verification on nothing (unknown username, no password set)."""
    params = _params(settings) if settings is not None else (2, 65536, 4)
    hasher = _hasher(*params)
    with contextlib.suppress(VerificationError, InvalidHashError):
        _verify(hasher, _dummy_hash(*params), password)
