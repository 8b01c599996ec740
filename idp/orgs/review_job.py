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

Every step is claimed with an atomic UPDATE first, so runs on several instances at once,
or repeated, do each thing once. A reminder whose mail fails is released and retried by the
next run; a suspension is kept even when its notice cannot be mailed (reported as failed).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from idp.audit import record
from idp.common.clock import Clock
from idp.extensions import db
from idp.login.privileges import note_changed
from idp.orgs import access, members, store
from idp.orgs.effects import membership_changed
from idp.orgs.models import Membership
from idp.orgs.review_policy import ReviewPolicy, aware, confirmed_since, review_policy
from idp.orgs.roles import get_role

log = logging.getLogger(__name__)


@dataclass
class ReviewReport:
    """Membership ids the run acted on."""

    reminded: list[str] = field(default_factory=list)
    suspended: list[str] = field(default_factory=list)
    #: Overdue, but the office's last lasting administrator: not suspended.
    kept: list[str] = field(default_factory=list)
    #: Reminders (retried next run) or suspension notices whose mail failed.
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "reminded": self.reminded,
            "suspended": self.suspended,
            "kept": self.kept,
            "failed": self.failed,
        }


def _name(user) -> str:
    return user.display_name or user.username


def _role(settings, member: Membership) -> str:
    role = get_role(settings, member.role)
    return role.label if role else member.role


def _review_url(settings, org_id: str) -> str:
    return f"{settings.issuer}/orgs/{org_id}/access-review"


# --- reminders ------------------------------------------------------------------------------


def _remind_office(settings, mailer, policy: ReviewPolicy, due: list[Membership], now) -> bool:
    """Mail the office's administrators about ``due`` (claimed); False when no mail went."""
    org = due[0].organization
    lines = [
        f"- {_name(m.user)} ({_role(settings, m)}), due {policy.due_at(m).date().isoformat()}"
        for m in due
    ]
    earliest = min(policy.due_at(m) for m in due).date().isoformat()
    admins = access.administrators(settings, org.id, now)
    sent = 0
    for admin in admins:
        try:
            mailer.send_template(
                admin.user.email,
                "access_review_reminder",
                name=_name(admin.user),
                org=org.legal_name,
                count=len(due),
                members="\n".join(lines),
                due_on=earliest,
                review_url=_review_url(settings, org.id),
            )
            sent += 1
        except Exception:
            log.exception("could not mail the access review reminder to an administrator")
    if admins and not sent:
        return False
    record(
        "access_review.reminded",
        org_id=org.id,
        membership_ids=[m.id for m in due],
        due_on=earliest,
        administrators=sent,
    )
    db.session.commit()
    return True


def _remind(settings, mailer, policy: ReviewPolicy, now: datetime, report: ReviewReport) -> None:
    if policy.reminder.total_seconds() <= 0:
        return
    by_office: dict[str, list[Membership]] = defaultdict(list)
    for member in store.memberships_confirmed_before(policy.remind_before(now)):
        if member.review_reminded_at is not None or not access.counts(member, now):
            continue
        if store.claim_review_reminder(member.id, now):
            by_office[member.org_id].append(member)
    db.session.commit()
    for due in by_office.values():
        ids = [m.id for m in due]
        if _remind_office(settings, mailer, policy, due, now):
            report.reminded.extend(ids)
            continue
        for membership_id in ids:
            store.release_review_reminder(membership_id)
        db.session.commit()
        report.failed.extend(ids)


# --- suspensions ----------------------------------------------------------------------------


def _tell_suspended(settings, mailer, member: Membership, due_on: str) -> None:
    org, user = member.organization, member.user
    mailer.send_template(
        user.email, "access_review_suspended", name=_name(user), org=org.legal_name, due_on=due_on
    )
    for admin in access.administrators(settings, org.id):
        try:
            mailer.send_template(
                admin.user.email,
                "access_review_suspended_admin",
                name=_name(admin.user),
                member=_name(user),
                role=_role(settings, member),
                org=org.legal_name,
                members_url=f"{settings.issuer}/orgs/{org.id}/members",
            )
        except Exception:  # the member was told; the administrators see it on the page
            log.exception("could not mail the suspension notice to an administrator")


def _reminded_before(policy: ReviewPolicy, now: datetime) -> datetime | None:
    """A reminder must have gone out by then (None: reminders are off)."""
    return now - policy.grace if policy.reminder.total_seconds() > 0 else None


def _suspend(settings, member: Membership, policy: ReviewPolicy, now: datetime) -> bool:
    reminded_before = _reminded_before(policy, now)
    if not store.claim_review_suspension(member.id, policy.suspend_before(now), reminded_before):
        db.session.rollback()
        return False
    since = confirmed_since(member)
    record(
        "access_review.suspended",
        subject_id=member.user_id,
        org_id=member.org_id,
        membership_id=member.id,
        role=member.role,
        confirmed_since=since.isoformat(),
        due_at=(since + policy.cadence).isoformat(),
        before={"status": "active"},
        after={"status": "deactivated"},
    )
    # The claim is a bulk UPDATE the ORM events cannot see: sessions still learn of it.
    note_changed(member.user_id)
    db.session.commit()
    membership_changed(member.user_id, member.org_id)
    return True


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
        if not _suspend(settings, member, policy, now):
            continue
        report.suspended.append(member.id)
        try:
            _tell_suspended(settings, mailer, member, due_on)
        except Exception:
            log.exception("could not mail the suspension notice of membership %s", member.id)
            report.failed.append(member.id)


def run_access_review(settings, *, clock: Clock, mailer) -> ReviewReport:
    """Suspend what is overdue past the grace period, then send the reminders due;
    idempotent, safe to run as often as wanted (daily is enough)."""
    report = ReviewReport()
    policy = review_policy(settings)
    if not policy.on:
        return report
    now = clock.now()
    _suspend_overdue(settings, mailer, policy, now, report)
    _remind(settings, mailer, policy, now, report)
    return report
