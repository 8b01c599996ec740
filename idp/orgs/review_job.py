"""The daily job of the access review (``idp access-review run``).

With ``[access_review] cadence_days`` on (not 0), for every membership that counts:

- from ``reminder_days_before`` its due date (last confirmation + cadence), the office's
  administrators are emailed a reminder listing the members coming due (once per member
  and cycle: ``Membership.review_reminded_at``; one mail per office and run), audited
  ``access_review.reminded``;
- ``grace_days`` after the due date, and at least ``grace_days`` after its reminder (so
  nobody is suspended without the administrators having been reminded, even when the job
  did not run for a while), a membership still unconfirmed is suspended: deactivated in
  that office as an administrator would (its sessions leave the office, its refresh tokens
  for it stop: the membership hooks), audited ``access_review.suspended``, and the member
  and the administrators are told. The office's last lasting administrator is never
  suspended (an office always keeps one; they appear in ``kept``).

Every step is claimed first (``idp.common.jobs``): a reminder whose mail fails is released
and retried by the next run; a suspension stands even when its notice cannot be mailed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import ClassVar

from idp.audit import record
from idp.common.clock import Clock, aware
from idp.common.jobs import JobReport, NotSent, claimed, mail_each, run_day_rule, step
from idp.extensions import db
from idp.mail import send_to
from idp.orgs import access, members, store
from idp.orgs.effects import claimed_change
from idp.orgs.models import Membership
from idp.orgs.review_policy import ReviewPolicy, confirmed_since, review_policy
from idp.orgs.roles import get_role


@dataclass
class ReviewReport(JobReport):
    """Membership ids the run acted on (``kept``: overdue, but the office's last lasting
    administrator; ``failed``: reminders, retried next run, or suspension notices)."""

    reminded: list[str] = step("members reminded")
    suspended: list[str] = step("suspended")
    kept: list[str] = step("kept (last administrator)")
    retry: ClassVar[str] = "reminders are retried by the next run"


def _role(settings, member: Membership) -> str:
    role = get_role(settings, member.role)
    return role.label if role else member.role


# --- reminders ------------------------------------------------------------------------------


def _remind_office(settings, mailer, policy: ReviewPolicy, due: list[Membership], now) -> None:
    """Mail the office's administrators about ``due`` (claimed); NotSent when none could be
    mailed."""
    org = due[0].organization
    lines = [
        f"- {m.user.shown_name} ({_role(settings, m)}), due {policy.due_at(m).date().isoformat()}"
        for m in due
    ]
    earliest = min(policy.due_at(m) for m in due).date().isoformat()
    admins = access.administrators(settings, org.id, now)
    sent = mail_each(
        admins,
        lambda admin: send_to(
            mailer,
            admin.user,
            "access_review_reminder",
            org=org.legal_name,
            count=len(due),
            members="\n".join(lines),
            due_on=earliest,
            review_url=f"{settings.issuer}/orgs/{org.id}/access-review",
        ),
        "the access review reminder",
    )
    if admins and not sent:
        raise NotSent("no administrator of the office could be mailed")
    record(
        "access_review.reminded",
        org_id=org.id,
        membership_ids=[m.id for m in due],
        due_on=earliest,
        administrators=sent,
    )
    db.session.commit()


def _release_reminders(ids: list[str]) -> None:
    for membership_id in ids:
        store.release_review_reminder(membership_id)


def _remind(settings, mailer, policy: ReviewPolicy, now: datetime, report: ReviewReport) -> None:
    by_office: dict[str, list[Membership]] = defaultdict(list)
    for member in store.memberships_confirmed_before(policy.warn_before(now)):
        if member.review_reminded_at is not None or not access.counts(member, now):
            continue
        if claimed(store.claim_review_reminder(member.id, now)):
            by_office[member.org_id].append(member)
    for due in by_office.values():
        ids = [m.id for m in due]
        if report.send_claimed(
            ids,
            partial(_remind_office, settings, mailer, policy, due, now),
            partial(_release_reminders, ids),
            "the access review reminder",
        ):
            report.reminded.extend(ids)


# --- suspensions ----------------------------------------------------------------------------


def _tell_suspended(settings, mailer, member: Membership, due_on: str, now: datetime) -> None:
    org, user = member.organization, member.user
    send_to(mailer, user, "access_review_suspended", org=org.legal_name, due_on=due_on)
    # The member was told; the administrators whose mail fails see it on the members page.
    mail_each(
        access.administrators(settings, org.id, now),
        lambda admin: send_to(
            mailer,
            admin.user,
            "access_review_suspended_admin",
            member=user.shown_name,
            role=_role(settings, member),
            org=org.legal_name,
            members_url=f"{settings.issuer}/orgs/{org.id}/members",
        ),
        "the suspension notice",
    )


def _reminded_before(policy: ReviewPolicy, now: datetime) -> datetime | None:
    """A reminder must have gone out by then (None: reminders are off)."""
    return now - policy.grace if policy.warns else None


def _suspend(member: Membership, policy: ReviewPolicy, now: datetime) -> bool:
    since = confirmed_since(member)
    return claimed_change(
        store.claim_review_suspension(
            member.id, policy.suspend_before(now), _reminded_before(policy, now)
        ),
        member,
        "access_review.suspended",
        confirmed_since=since.isoformat(),
        due_at=(since + policy.period).isoformat(),
        before={"status": "active"},
        after={"status": "deactivated"},
    )


def _suspend_overdue(
    settings, mailer, policy: ReviewPolicy, now: datetime, report: ReviewReport
) -> None:
    reminded_before = _reminded_before(policy, now)
    for member in store.memberships_confirmed_before(policy.suspend_before(now)):
        if not access.counts(member, now):
            continue
        reminded = member.review_reminded_at
        if reminded_before is not None and (reminded is None or aware(reminded) > reminded_before):
            continue  # not reminded long enough ago: the reminder step comes first
        if members.is_last_admin(settings, member.org_id, member):
            report.kept.append(member.id)
            continue
        due_on = policy.due_at(member).date().isoformat()
        if _suspend(member, policy, now):
            report.suspended.append(member.id)
            report.tell(
                member.id,
                partial(_tell_suspended, settings, mailer, member, due_on, now),
                "the suspension notice",
            )


def run_access_review(settings, *, clock: Clock, mailer) -> ReviewReport:
    """Mail the reminders due and suspend memberships left unconfirmed (idempotent; daily)."""
    policy = review_policy(settings)
    over, warn = (partial(step, settings, mailer, policy) for step in (_suspend_overdue, _remind))
    return run_day_rule(policy, clock, ReviewReport(), over=over, warn=warn)
