"""The security overview: sign-ins, failures, lockouts and password resets per hour over the
last seven days, registrations waiting for approval, accounts locked now, and signing keys
about to leave the JWKS. Each part is shown to whoever holds its console permission."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from idp.accounts.models import User
from idp.audit import stats
from idp.common.clock import Clock
from idp.errors import Forbidden
from idp.jwk.keyring import KeyRing
from idp.orgs import access
from idp.orgs import store as org_store
from idp.orgs.models import Organization

from . import APPROVE_ORGS, MANAGE_KEYS, MANAGE_USERS, VIEW_AUDIT, store
from .home import may_use_console
from .keys import KeyView, key_view

HOURS = 7 * 24
#: The charts: (key, label, the audit events each counts).
SERIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("sign-ins", "Sign-ins", ("login.succeeded",)),
    ("failures", "Failed sign-ins", ("login.failed",)),
    ("lockouts", "Lockouts", ("lockout.locked", "account.locked")),
    ("resets", "Password resets", ("password.reset",)),
)
#: A retired key is listed when it leaves the JWKS within this. A week: the window of the
#: charts, and far longer than a retired key normally stays (the longest token lifetime plus
#: ``oauth.key_retire_grace_minutes``), so every retired key shows, and one that lingers
#: (a long grace, or a prune that did not run) shows with its date.
KEYS_WARNING = timedelta(days=7)
#: Locked accounts listed by name (the count is always complete; the users page has all).
LOCKED_LISTED = 20


@dataclass(frozen=True)
class Hourly:
    key: str
    label: str
    events: tuple[str, ...]
    #: Start of the first hour (UTC); ``counts[i]`` is the hour from ``since + i h``.
    since: datetime
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)

    def hour(self, index: int) -> datetime:
        return self.since + timedelta(hours=index)

    @property
    def peak(self) -> tuple[datetime, int] | None:
        """The busiest hour (the latest of equals) and its count; None when all are zero."""
        if not self.total:
            return None
        best = max(range(len(self.counts)), key=lambda i: (self.counts[i], i))
        return self.hour(best), self.counts[best]

    def per_day(self) -> list[tuple[date, int]]:
        """Counts per calendar day (UTC), oldest first (the first and last may be partial)."""
        days: dict[date, int] = {}
        for index, count in enumerate(self.counts):
            day = self.hour(index).date()
            days[day] = days.get(day, 0) + count
        return list(days.items())


@dataclass(frozen=True)
class LockedAccounts:
    total: int
    listed: list[User]


@dataclass(frozen=True)
class Overview:
    now: datetime
    #: Each part is None when the actor lacks its permission (see :func:`overview`).
    charts: list[Hourly] | None
    pending: list[Organization] | None
    locked: LockedAccounts | None
    keys: list[KeyView] | None

    def per_day(self) -> list[tuple[date, list[int]]]:
        """Rows of the numbers table: each UTC day with its count in every chart."""
        if not self.charts:
            return []
        columns = [dict(s.per_day()) for s in self.charts]
        return [(day, [c[day] for c in columns]) for day in columns[0]]


def charts(now: datetime) -> list[Hourly]:
    """Contract: the four series, 168 hours each, the last one the hour ``now`` is in."""
    since = stats.hour_start(now) - timedelta(hours=HOURS - 1)
    counts = stats.hourly_counts((e for _, _, events in SERIES for e in events), since, HOURS)
    result = []
    for key, label, events in SERIES:
        summed = [sum(hour) for hour in zip(*(counts[e] for e in events), strict=True)]
        result.append(Hourly(key, label, events, since, summed))
    return result


def keys_leaving(ring: KeyRing, now: datetime) -> list[KeyView]:
    """Retired keys that leave the JWKS before ``now + KEYS_WARNING`` (or are overdue), soonest
    first."""
    horizon = (now + KEYS_WARNING).timestamp()
    retired = [s for s in ring.states() if s.state == "retired" and s.drop_after is not None]
    due = [s for s in retired if (s.drop_after or 0) <= horizon]
    return [key_view(s) for s in sorted(due, key=lambda s: s.drop_after or 0)]


def overview(settings, actor: User, *, clock: Clock, ring: KeyRing) -> Overview:
    """Contract: Forbidden without a console permission; each part only with its own
    permission (audit view, organization approval, user management, key management)."""
    if not may_use_console(settings, actor):
        raise Forbidden("The security console is for security administrators.")
    held = access.platform_permissions(settings, actor)
    now = clock.now()
    locked = None
    if MANAGE_USERS in held:
        users, total = store.search_users("", status="locked", offset=0, limit=LOCKED_LISTED)
        locked = LockedAccounts(total, users)
    return Overview(
        now=now,
        charts=charts(now) if VIEW_AUDIT in held else None,
        pending=org_store.orgs_with_status("pending") if APPROVE_ORGS in held else None,
        locked=locked,
        keys=keys_leaving(ring, now) if MANAGE_KEYS in held else None,
    )
