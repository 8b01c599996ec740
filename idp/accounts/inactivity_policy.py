"""When an unused account is warned and disabled (``[inactivity]``).

An account's inactivity counts from the latest of its last sign-in (else its creation) and
the last time a security admin enabled it (``User.enabled_at``). ``notice_days_before`` the
limit the person is warned; at ``disable_after_days`` it is disabled. Pure arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from idp.accounts.models import User
from idp.common.day_settings import check_days
from idp.config import TABLE_VALIDATORS


@dataclass(frozen=True)
class InactivityPolicy:
    limit: timedelta
    notice: timedelta

    @property
    def on(self) -> bool:
        return self.limit > timedelta(0)

    def disable_before(self, now: datetime) -> datetime:
        """Accounts unused since at or before this are disabled at ``now``."""
        return now - self.limit

    def notice_before(self, now: datetime) -> datetime:
        """Accounts unused since at or before this are warned at ``now``."""
        return now - self.limit + self.notice


def inactivity_policy(settings) -> InactivityPolicy:
    return InactivityPolicy(
        limit=timedelta(days=settings.inactivity_disable_after_days),
        notice=timedelta(days=settings.inactivity_notice_days_before),
    )


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def unused_since(user: User) -> datetime:
    """When the account was last used: its last sign-in (else creation), or its enabling."""
    since = aware(user.last_sign_in_at or user.created_at)
    return max(since, aware(user.enabled_at)) if user.enabled_at else since


def _validate(values: dict[str, Any], _tables: dict[str, Any]) -> None:
    check_days(
        values,
        {"inactivity_disable_after_days": 3650, "inactivity_notice_days_before": 365},
        {"inactivity_notice_days_before": "inactivity_disable_after_days"},
    )


TABLE_VALIDATORS.append(_validate)
