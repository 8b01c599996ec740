"""When an unused account is warned and disabled (``[inactivity]``).

An account's inactivity counts from the latest of its last sign-in (else its creation) and
the last time a security admin enabled it (``User.enabled_at``). ``notice_days_before`` the
limit the person is warned (the rule's ``warning``); at ``disable_after_days`` (its
``period``) it is disabled. Pure arithmetic.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from idp.accounts.models import User
from idp.common.clock import aware
from idp.common.day_settings import DayRule, check_days
from idp.config import TABLE_VALIDATORS


class InactivityPolicy(DayRule):
    """``period``: unused this long, an account is disabled; ``warning``: this long before,
    its owner is warned."""


def inactivity_policy(settings) -> InactivityPolicy:
    return InactivityPolicy(
        period=timedelta(days=settings.inactivity_disable_after_days),
        warning=timedelta(days=settings.inactivity_notice_days_before),
    )


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
