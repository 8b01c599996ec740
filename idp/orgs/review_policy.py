"""When a member of an office is due for the access review (``[access_review]``).

Each membership that counts is confirmed by an office administrator every ``cadence_days``
days (the rule's ``period``), counted from its last confirmation
(``Membership.access_confirmed_at``; None: from its creation). Reminders go
``reminder_days_before`` the due date (its ``warning``); ``grace_days`` after it, a
membership still unconfirmed is suspended. Pure date arithmetic: the page, the job and the
tests read the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from idp.common.clock import aware
from idp.common.day_settings import DayRule, check_days
from idp.config import TABLE_VALIDATORS
from idp.orgs.models import Membership


@dataclass(frozen=True)
class ReviewPolicy(DayRule):
    """``period``: the cadence; ``warning``: the reminder before the due date; ``grace``:
    how long after it an unconfirmed membership is suspended."""

    grace: timedelta = timedelta(0)

    def due_at(self, membership: Membership) -> datetime:
        return confirmed_since(membership) + self.period

    def suspend_before(self, now: datetime) -> datetime:
        """Memberships confirmed at or before this are suspended at ``now``."""
        return self.over_before(now) - self.grace


def review_policy(settings) -> ReviewPolicy:
    return ReviewPolicy(
        period=timedelta(days=settings.access_review_cadence_days),
        warning=timedelta(days=settings.access_review_reminder_days_before),
        grace=timedelta(days=settings.access_review_grace_days),
    )


def confirmed_since(membership: Membership) -> datetime:
    """The start of the membership's current review cycle."""
    return aware(membership.access_confirmed_at or membership.created_at)


def _validate(values: dict[str, Any], _tables: dict[str, Any]) -> None:
    check_days(
        values,
        {
            "access_review_cadence_days": 3650,
            "access_review_reminder_days_before": 365,
            "access_review_grace_days": 365,
        },
        {"access_review_reminder_days_before": "access_review_cadence_days"},
    )


TABLE_VALIDATORS.append(_validate)
