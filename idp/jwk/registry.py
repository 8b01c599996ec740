"""The database's record of issued signing keys, and the start-up check against keys/.

If the database knows keys but none of them is readable in the keys folder (an empty or
lost volume, a wrong mount, a permission problem), the idp refuses to start with one line
instead of minting a replacement: a new key would make every token in flight fail to
verify, and relying parties would see it only as a wave of failures. A first start on a
database that records nothing still creates the first key. The record goes through its
own connections, never the caller's unit of work.
"""

from __future__ import annotations

import logging
from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from idp.common.clock import utcnow
from idp.errors import Unavailable
from idp.jwk.keyring import KeyRing, KeyState
from idp.jwk.models import IssuedKey

log = logging.getLogger(__name__)

TABLE = cast(sa.Table, IssuedKey.__table__)


class KeysUnavailable(Unavailable):
    """Issued signing keys cannot be read; nothing may sign until they are restored."""


class KeyRegistry:
    def __init__(self, engine: Engine):
        self.engine = engine

    def ready(self) -> bool:
        """False before the migration that creates the table has run."""
        return sa.inspect(self.engine).has_table(TABLE.name)

    def live(self) -> set[str]:
        """Recorded kids not dropped on purpose."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(TABLE.c.kid).where(TABLE.c.dropped_at.is_(None)))
            return {row.kid for row in rows}

    def record(self, states: list[KeyState]) -> list[str]:
        """Add the kids not recorded yet; returns them."""
        with self.engine.begin() as conn:
            known = {row.kid for row in conn.execute(sa.select(TABLE.c.kid))}
            new = [s for s in states if s.kid not in known]
            for state in new:
                row = {"kid": state.kid, "alg": state.alg, "recorded_at": utcnow()}
                conn.execute(TABLE.insert().values(**row))
        return [s.kid for s in new]

    def mark_dropped(self, kids: list[str]) -> None:
        if not kids:
            return
        with self.engine.begin() as conn:
            conn.execute(
                TABLE.update()
                .where(TABLE.c.kid.in_(kids), TABLE.c.dropped_at.is_(None))
                .values(dropped_at=utcnow())
            )

    def check_replacement(self, present: set[str], folder) -> None:
        """Raise when keys were issued but none of them is ``present``: minting now would
        silently replace them."""
        live = self.live()
        if live and not live & present:
            raise KeysUnavailable(lost_message(live, folder))


def lost_message(live: set[str], folder) -> str:
    shown = ", ".join(sorted(live)[:3]) + (", ..." if len(live) > 3 else "")
    return (
        f"signing keys: the database records {len(live)} issued key(s) ({shown}) but none "
        f"is readable in {folder}; restore the keys folder from its backup, or run "
        "'idp keys replace-lost' to start over (every token in flight stops verifying)"
    )


def readable_kids(ring: KeyRing) -> tuple[list[KeyState], set[str]]:
    """The key states and the kids whose private key can be read; raises KeysUnavailable
    when the folder itself cannot be read."""
    try:
        states = ring.states()
    except (OSError, ValueError, TypeError) as exc:
        raise KeysUnavailable(f"signing keys: cannot read {ring.folder}: {exc}") from None
    present = set()
    for state in states:
        try:
            ring.load_private_key(state.kid)
        except (OSError, ValueError, TypeError):
            continue
        present.add(state.kid)
    return states, present


def check_keys(ring: KeyRing, registry: KeyRegistry, alg: str) -> KeyState | None:
    """Start-up: refuse when issued keys are lost, record keys not recorded yet, create the
    first key on a first start, and make ``ring`` refuse replacements from now on. Returns
    the active key for ``alg``; None (nothing checked) before the database is migrated."""
    if not registry.ready():
        return None
    states, present = readable_kids(ring)
    live = registry.live()
    if live and not live & present:
        raise KeysUnavailable(lost_message(live, ring.folder))
    missing = live - present
    if missing:
        log.warning(
            "signing keys recorded but not readable in %s: %s (tokens they signed no longer "
            "verify)",
            ring.folder,
            ", ".join(sorted(missing)),
        )
    registry.record([s for s in states if s.kid in present])
    ring.registry = registry
    active = ring.active(alg)
    if active is None:
        active = ring.ensure_active(alg)
        registry.record(ring.states())
    return active


def guard_app_keys(app) -> None:
    """Run :func:`check_keys` for the app's key ring (``create_app`` calls this). A database
    that cannot be reached is left to the health checks; nothing is minted then."""
    from idp.extensions import db

    settings = app.config["IDP_SETTINGS"]
    ring = app.extensions.get("idp.keyring") or KeyRing(settings.keys_path)
    with app.app_context():
        try:
            check_keys(ring, KeyRegistry(db.engine), settings.oauth_signing_alg)
        except OperationalError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            # DEBUG: the database's own error is what the operator needs, and it comes next.
            log.debug("signing keys not checked against the database: %s", reason)
