"""Password hashing with Argon2id (argon2-cffi), parameters from the ``[auth]`` settings.

A stored hash made with other parameters still verifies; :func:`needs_rehash` tells the
sign-in service to store a fresh hash once the password is known to be right. Unknown users
are checked against a dummy hash of the same parameters, so they cost as long as real ones.
"""

from __future__ import annotations

import contextlib
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


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
    return hasher_from(settings).hash(password)


def verify_password(stored_hash: str | None, password: str, settings=None) -> bool:
    if not stored_hash:
        verify_dummy(password, settings)
        return False
    try:
        return hasher_from(settings).verify(stored_hash, password)
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
    return _hasher(time_cost, memory_kib, parallelism).hash("dummy password for unknown users")


def verify_dummy(password: str, settings=None) -> None:
    """Spend the time of one verification on nothing (unknown username, no password set)."""
    params = _params(settings) if settings is not None else (2, 65536, 4)
    hasher = _hasher(*params)
    with contextlib.suppress(VerificationError, InvalidHashError):
        hasher.verify(_dummy_hash(*params), password)
