"""Disabling unused accounts (``idp inactivity run``, daily; ``[inactivity]``).

An account is unused since the latest of its last sign-in (else its creation) and the last
time a security admin enabled it (``inactivity_policy.unused_since``). With
``disable_after_days`` on (not 0):

- ``notice_days_before`` the limit the person is emailed a warning (once per period of
  inactivity: ``User.inactivity_notice_sent_at``), audited ``account.inactivity_notice``;
- at the limit, and at least ``notice_days_before`` after the warning (nobody is disabled
  unwarned, even when the job did not run for a while), the account is disabled the way a
  security admin disables it (``users.disable_account``: every session and OAuth grant
  ends), audited ``account.disabled_inactive``, and the person is told.

Only ``active`` and ``locked`` accounts are considered (``pending_email`` ones cannot sign
in and are not mailed). Exempt: accounts with a platform role, that is security admins
(few, named, reviewed by the plan itself; disabling the last one would lock the console
out) and API service principals (``client.<hex>``, disabled from the start).

Each step is claimed with an atomic UPDATE first, so runs on several instances at once, or
repeated, do each thing once. A warning whose mail fails is released and retried by the
next run; a disabling is kept even when its notice cannot be mailed (reported as failed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from idp.accounts import store as accounts_store
from idp.accounts.inactivity_policy import (
    InactivityPolicy,
    aware,
    inactivity_policy,
    unused_since,
)
from idp.accounts.models import User
from idp.audit import record
from idp.common.clock import Clock
from idp.extensions import db
from idp.login.ending import SessionEnder

from .users import disable_account

log = logging.getLogger(__name__)

#: The statuses the rule applies to.
STATUSES = ("active", "locked")


@dataclass
class InactivityReport:
    """Account ids the run acted on."""

    noticed: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    #: Warnings (retried next run) or disabling notices whose mail failed.
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"noticed": self.noticed, "disabled": self.disabled, "failed": self.failed}


def _name(user: User) -> str:
    return user.display_name or user.username


def _warned_in_time(user: User, policy: InactivityPolicy, now: datetime) -> bool:
    if policy.notice.total_seconds() <= 0:
        return True
    sent = user.inactivity_notice_sent_at
    return sent is not None and unused_since(user) <= aware(sent) <= now - policy.notice


def _disable(user: User, policy: InactivityPolicy, now: datetime, ender: SessionEnder) -> bool:
    since = unused_since(user)

    def audit(before: dict) -> None:
        record(
            "account.disabled_inactive",
            subject_id=user.id,
            unused_since=since.isoformat(),
            days=policy.limit.days,
            before=before,
            after={"status": "disabled"},
        )
        db.session.commit()

    return disable_account(
        user,
        ender=ender,
        reason="account_inactive",
        actor_id=None,
        audit=audit,
        now=now,
        unused_before=policy.disable_before(now),
    )


def _notice(settings, mailer, user: User, policy: InactivityPolicy, now: datetime) -> bool:
    """Claim and send the warning; False when it failed (released for the next run)."""
    since = unused_since(user)
    disable_on = max(since + policy.limit, now + policy.notice).date()
    try:
        mailer.send_template(
            user.email,
            "account_inactive_notice",
            name=_name(user),
            days=policy.limit.days,
            disable_on=disable_on.isoformat(),
            sign_in_url=f"{settings.issuer}/login",
        )
    except Exception:
        log.exception("could not mail the inactivity warning of account %s", user.id)
        accounts_store.release_inactivity_notice(user.id, now)
        db.session.commit()
        return False
    record(
        "account.inactivity_notice",
        subject_id=user.id,
        unused_since=since.isoformat(),
        disable_on=disable_on.isoformat(),
    )
    db.session.commit()
    return True


def disable_inactive_accounts(
    settings,
    *,
    clock: Clock,
    mailer,
    ender: SessionEnder,
) -> InactivityReport:
    """Disable the accounts past the limit (warned in time) and send the warnings due;
    idempotent, safe to run as often as wanted (daily is enough)."""
    report = InactivityReport()
    policy = inactivity_policy(settings)
    if not policy.on:
        return report
    now = clock.now()
    for user in accounts_store.unused_accounts(policy.disable_before(now), STATUSES):
        if not _warned_in_time(user, policy, now):
            continue
        if not _disable(user, policy, now, ender):
            continue
        report.disabled.append(user.id)
        try:
            mailer.send_template(
                user.email, "account_disabled_inactive", name=_name(user), days=policy.limit.days
            )
        except Exception:
            log.exception("could not mail the disabling notice of account %s", user.id)
            report.failed.append(user.id)
    if policy.notice.total_seconds() <= 0:
        return report
    for user in accounts_store.unused_accounts(policy.notice_before(now), STATUSES):
        sent = user.inactivity_notice_sent_at
        if sent is not None and aware(sent) >= unused_since(user):
            continue  # already warned in this period of inactivity
        if not accounts_store.claim_inactivity_notice(user.id, now, unused_since(user)):
            db.session.rollback()
            continue
        db.session.commit()
        if _notice(settings, mailer, user, policy, now):
            report.noticed.append(user.id)
        else:
            report.failed.append(user.id)
    return report
