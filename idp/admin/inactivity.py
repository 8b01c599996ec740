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

Each step is claimed first (``idp.common.jobs``): a warning whose mail fails is released and
retried by the next run; a disabling stands even when its notice cannot be mailed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import ClassVar

from idp.accounts import store as accounts_store
from idp.accounts.inactivity_policy import InactivityPolicy, inactivity_policy, unused_since
from idp.accounts.models import User
from idp.audit import record
from idp.common.clock import Clock, aware
from idp.common.jobs import JobReport, claimed, run_day_rule, step
from idp.extensions import db
from idp.login.ending import SessionEnder
from idp.mail import send_to

from .users import disable_account

#: The statuses the rule applies to.
STATUSES = ("active", "locked")


@dataclass
class InactivityReport(JobReport):
    """Account ids the run acted on (``failed``: warnings, retried next run, or disabling
    notices whose mail failed)."""

    noticed: list[str] = step("accounts warned")
    disabled: list[str] = step("disabled")
    retry: ClassVar[str] = "warnings are retried by the next run"


def _warned_in_time(user: User, policy: InactivityPolicy, now: datetime) -> bool:
    if not policy.warns:
        return True
    sent = user.inactivity_notice_sent_at
    return sent is not None and unused_since(user) <= aware(sent) <= now - policy.warning


def _disable(user: User, policy: InactivityPolicy, now: datetime, ender: SessionEnder) -> bool:
    since = unused_since(user)

    def audit(before: dict) -> None:
        record(
            "account.disabled_inactive",
            subject_id=user.id,
            unused_since=since.isoformat(),
            days=policy.period.days,
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
        unused_before=policy.over_before(now),
    )


def _disable_unused(mailer, policy, ender, now: datetime, report: InactivityReport) -> None:
    for user in accounts_store.unused_accounts(policy.over_before(now), STATUSES):
        if _warned_in_time(user, policy, now) and _disable(user, policy, now, ender):
            report.disabled.append(user.id)
            notice = partial(_mail, mailer, user, "account_disabled_inactive", policy)
            report.tell(user.id, notice, "the disabling notice")


def _mail(mailer, user: User, template: str, policy: InactivityPolicy, **values) -> None:
    send_to(mailer, user, template, days=policy.period.days, **values)


def _warn(settings, mailer, policy: InactivityPolicy, now: datetime, user: User, report) -> None:
    since = unused_since(user)
    sent = user.inactivity_notice_sent_at
    if sent is not None and aware(sent) >= since:
        return  # already warned in this period of inactivity
    if not claimed(accounts_store.claim_inactivity_notice(user.id, now, since)):
        return
    disable_on = max(since + policy.period, now + policy.warning).date().isoformat()
    warning = partial(
        _mail,
        mailer,
        user,
        "account_inactive_notice",
        policy,
        disable_on=disable_on,
        sign_in_url=f"{settings.issuer}/login",
    )
    release = partial(accounts_store.release_inactivity_notice, user.id, now)
    if report.send_claimed([user.id], warning, release, "the inactivity warning"):
        record(
            "account.inactivity_notice",
            subject_id=user.id,
            unused_since=since.isoformat(),
            disable_on=disable_on,
        )
        db.session.commit()
        report.noticed.append(user.id)


def _warn_unused(settings, mailer, policy, now: datetime, report: InactivityReport) -> None:
    for user in accounts_store.unused_accounts(policy.warn_before(now), STATUSES):
        _warn(settings, mailer, policy, now, user, report)


def disable_inactive_accounts(
    settings,
    *,
    clock: Clock,
    mailer,
    ender: SessionEnder,
) -> InactivityReport:
    """Mail the warnings due and disable unused accounts (idempotent; run daily)."""
    policy = inactivity_policy(settings)
    over = partial(_disable_unused, mailer, policy, ender)
    warn = partial(_warn_unused, settings, mailer, policy)
    return run_day_rule(policy, clock, InactivityReport(), over=over, warn=warn)
