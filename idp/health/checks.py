"""Reachability checks shared by /readyz and ``idp check``."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text

from idp.extensions import db


def check_database() -> None:
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def check_redis(settings) -> None:
    if not settings.redis_url:
        return
    from idp.state.connect import redis_client

    client = redis_client(
        settings.redis_url,
        connect_timeout=settings.redis_connect_timeout_ms / 1000,
        timeout=settings.redis_timeout_ms / 1000,
    )
    try:
        client.ping()
    finally:
        client.close()


def check_mail() -> None:
    from idp.mail import mailer

    mailer().check()


def run_checks(names: list[str], settings) -> dict[str, str | None]:
    """Run each named check; the value is None when it passed, else a one-line reason."""
    table: dict[str, Callable[[], None]] = {
        "database": check_database,
        "redis": lambda: check_redis(settings),
        "mail": check_mail,
    }
    results: dict[str, str | None] = {}
    for name in names:
        try:
            table[name]()
            results[name] = None
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            results[name] = f"{type(exc).__name__}: {first}"
    return results
