"""Password hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


def hasher_from(settings=None) -> PasswordHasher:
    if settings is None:
        return PasswordHasher()
    return PasswordHasher(
        time_cost=getattr(settings, "auth_argon2_time_cost", 2),
        memory_cost=getattr(settings, "auth_argon2_memory_kib", 19456),
        parallelism=getattr(settings, "auth_argon2_parallelism", 1),
    )


def hash_password(password: str, settings=None) -> str:
    return hasher_from(settings).hash(password)


def verify_password(stored_hash: str | None, password: str, settings=None) -> bool:
    if not stored_hash:
        return False
    try:
        return hasher_from(settings).verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False
