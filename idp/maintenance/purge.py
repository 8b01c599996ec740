"""``idp purge``: delete rows that can never be used again, in batches, so tables stay bounded.

- refresh tokens whose family has reached its end (``expires_at``: the family's first
  sign-in plus ``oauth_refresh_token_days``; an expired token is refused without looking
  further, so a rotated one past that date is no longer needed for reuse detection);
- embedded shared-state rows past their expiry (codes, SSO sessions, challenges, counters
  of the database backend; Redis expires its own keys);
- email verification links past their expiry;
- invitations that expired (or were revoked) more than ``keep_days`` ago and were never
  accepted (admins still see recent ones as expired).

Audit events are never purged here (their retention is a policy decision). Run it from
cron or a systemd timer, e.g. hourly (docs/benchmarks.md, "Keeping tables bounded").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import Engine, delete, select
from sqlalchemy.sql import ColumnElement

BATCH = 5000


def _purge_batches(engine: Engine, table, key, where: ColumnElement, batch: int) -> int:
    """Delete matching rows ``batch`` at a time (short transactions, no long locks)."""
    total = 0
    while True:
        with engine.begin() as conn:
            doomed = select(key).where(where).limit(batch).scalar_subquery()
            count = conn.execute(delete(table).where(key.in_(doomed))).rowcount or 0
        total += count
        if count < batch:
            return total


def purge(engine: Engine, now: datetime, *, batch: int = BATCH, keep_days: int = 30) -> dict:
    """Delete what has expired at ``now``; returns the count per kind of row."""
    from idp.accounts.verification.models import EmailVerification
    from idp.oauth.models import RefreshToken
    from idp.orgs.models import Invitation
    from idp.state.models import StateEntry

    old = now - timedelta(days=keep_days)
    tokens, state = RefreshToken.__table__, StateEntry.__table__
    links, invitations = EmailVerification.__table__, Invitation.__table__
    jobs: list[tuple[str, Any, Any, ColumnElement]] = [
        ("refresh tokens", tokens, tokens.c.id, tokens.c.expires_at <= now),
        ("shared state", state, state.c.key, state.c.expires_at <= now.timestamp()),
        ("email verifications", links, links.c.id, links.c.expires_at <= now),
        (
            "invitations",
            invitations,
            invitations.c.id,
            invitations.c.accepted_at.is_(None)
            & ((invitations.c.expires_at <= old) | (invitations.c.revoked_at <= old)),
        ),
    ]
    return {
        name: _purge_batches(engine, table, key, where, batch) for name, table, key, where in jobs
    }


@click.command("purge")
@click.option("--batch-size", type=click.IntRange(1, 100000), default=BATCH, show_default=True)
@click.option(
    "--keep-days",
    type=click.IntRange(0, 3650),
    default=30,
    show_default=True,
    help="Keep expired or revoked invitations this long (admins see them as expired).",
)
@with_appcontext
def cli(batch_size: int, keep_days: int) -> None:
    """Delete expired codes, tokens, sessions, challenges and links (run it on a timer)."""
    from idp.extensions import db

    counts = purge(db.engine, datetime.now(UTC), batch=batch_size, keep_days=keep_days)
    for name, count in counts.items():
        click.echo(f"{name}: {count} deleted")
