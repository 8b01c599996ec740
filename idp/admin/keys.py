"""Token signing keys, for security admins, over the key ring (``idp.jwk``): list next /
active / retired keys, rotate, drop a retired key now, drop every retired key whose tokens
have expired. Key files are not database rows, so each action's audit event is committed
right after the ring has changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from idp.accounts.models import User
from idp.errors import Conflict, DomainError, NotFound
from idp.jwk.cli import retire_after_seconds
from idp.jwk.keyring import ALGORITHMS, KeyRing, KeyState
from idp.orgs import access

from . import MANAGE_KEYS, recording

ORDER = {"next": 0, "active": 1, "retired": 2}


@dataclass(frozen=True)
class KeyView:
    kid: str
    alg: str
    state: str
    created_at: datetime
    activated_at: datetime | None
    retired_at: datetime | None
    #: A retired key leaves the JWKS after this (its tokens have expired by then).
    drop_after: datetime | None


def _when(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch else None


def key_view(state: KeyState) -> KeyView:
    return KeyView(
        kid=state.kid,
        alg=state.alg,
        state=state.state,
        created_at=_when(state.created_at) or datetime.fromtimestamp(0, UTC),
        activated_at=_when(state.activated_at),
        retired_at=_when(state.retired_at),
        drop_after=_when(state.drop_after),
    )


def _summary(ring: KeyRing) -> dict[str, list[str]]:
    summary: dict[str, list[str]] = {"next": [], "active": [], "retired": []}
    for state in ring.states():
        summary.setdefault(state.state, []).append(state.kid)
    return summary


def list_keys(settings, actor: User, *, ring: KeyRing) -> list[KeyView]:
    """Contract: every key, next first, then active, then retired (newest first in each)."""
    access.require_platform_permission(settings, actor, MANAGE_KEYS)
    states = sorted(ring.states(), key=lambda s: s.created_at, reverse=True)
    return [key_view(s) for s in sorted(states, key=lambda s: ORDER.get(s.state, 3))]


def rotate(
    settings, actor: User, alg: str | None = None, *, ring: KeyRing, ip: str | None = None
) -> KeyView:
    """Contract: the next key of ``alg`` (default ``oauth.signing_alg``) becomes active, the
    active one retired (published until its tokens expire), a new next key is published."""
    access.require_platform_permission(settings, actor, MANAGE_KEYS)
    alg = alg or settings.oauth_signing_alg
    if alg not in ALGORITHMS:
        raise DomainError(f"The algorithm must be one of {', '.join(ALGORITHMS)}.", field="alg")
    before = _summary(ring)
    active = ring.rotate(alg, retire_after_seconds(settings))
    recording.changed(
        "admin.key.rotated",
        actor,
        ip=ip,
        alg=alg,
        kid=active.kid,
        before=before,
        after=_summary(ring),
    )
    return key_view(active)


def retire(settings, actor: User, kid: str, *, ring: KeyRing, ip: str | None = None) -> KeyView:
    """Contract: drops one retired key now (it leaves the JWKS; tokens it signed stop
    verifying). NotFound; Conflict for a next or active key (rotate first)."""
    access.require_platform_permission(settings, actor, MANAGE_KEYS)
    state = next((s for s in ring.states() if s.kid == kid), None)
    if state is None:
        raise NotFound("No such key.")
    if state.state != "retired":
        raise Conflict(f"This key is {state.state}; rotate before retiring it.")
    before = _summary(ring)
    ring.drop(kid)
    recording.changed(
        "admin.key.retired",
        actor,
        ip=ip,
        kid=kid,
        before=before,
        after=_summary(ring),
    )
    return key_view(state)


def prune(settings, actor: User, *, ring: KeyRing, ip: str | None = None) -> list[str]:
    """Contract: drops every retired key whose tokens have all expired; returns their kids."""
    access.require_platform_permission(settings, actor, MANAGE_KEYS)
    before = _summary(ring)
    dropped = ring.prune()
    if dropped:
        recording.changed(
            "admin.key.pruned",
            actor,
            ip=ip,
            kids=dropped,
            before=before,
            after=_summary(ring),
        )
    return dropped
