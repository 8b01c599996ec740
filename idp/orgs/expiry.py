"""The daily job behind access end dates (``idp orgs expire-memberships``).

A membership stops counting by itself once its last day has passed (``access.counts``
reads the date; nothing waits for this job). The job does what should happen once around
that moment:

- ``[orgs] access_end_notice_days`` before the date, it mails the member, and the office's
  administrators, a notice (once per end date: a new date sends a new one);
- after the date, it records ``membership.ended`` (once), moves the person's sessions out of
  the office at their next request and runs the membership hooks (OAuth refresh tokens for
  the office already stop at their next use, through ``access.counts``).

Each membership is claimed before its mail or event (``idp.common.jobs``): a notice whose
mail fails is released and tried again by the next run. Dates are in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from idp.common.clock import Clock
from idp.common.jobs import JobReport, claimed, mail_each, step
from idp.mail import send_to
from idp.orgs import access, store
from idp.orgs.effects import claimed_change
from idp.orgs.models import Membership
from idp.orgs.roles import get_role


@dataclass
class ExpiryReport(JobReport):
    """Membership ids the run acted on (``failed``: notices the next run tries again)."""

    ended: list[str] = step("memberships ended")
    noticed: list[str] = step("notices sent")
    failed_label: ClassVar[str] = "notices failed"


def _send_notice(settings, mailer, member: Membership, days_left: int, now: datetime) -> None:
    org, user = member.organization, member.user
    role = get_role(settings, member.role)
    ends = member.access_ends_on.isoformat() if member.access_ends_on else ""
    send_to(mailer, user, "membership_ending", org=org.legal_name, ends_on=ends, days=days_left)
    # The member was told; the administrators whose mail fails see it on the members page.
    admins = [a for a in access.administrators(settings, org.id, now) if a.user_id != user.id]
    mail_each(
        [a.user for a in admins],
        lambda admin: send_to(
            mailer,
            admin,
            "membership_ending_admin",
            member=user.shown_name,
            role=role.label if role else member.role,
            org=org.legal_name,
            ends_on=ends,
            members_url=f"{settings.issuer}/orgs/{org.id}/members",
        ),
        "the end-of-access notice",
    )


def _end(member: Membership, now: datetime) -> bool:
    return claimed_change(
        store.claim_access_end(member.id, now),
        member,
        "membership.ended",
        access_ends_on=member.access_ends_on.isoformat() if member.access_ends_on else None,
        before={"access": "active"},
        after={"access": "ended"},
    )


def expire_memberships(settings, *, clock: Clock, mailer) -> ExpiryReport:
    """Record ended memberships and mail the notices due (idempotent; run daily)."""
    now = clock.now()
    today = now.astimezone(UTC).date()
    report = ExpiryReport()
    for member in store.memberships_ended_before(today):
        if _end(member, now):
            report.ended.append(member.id)
    days = settings.orgs_access_end_notice_days
    if days <= 0:
        return report
    for member in store.memberships_ending_between(today, today + timedelta(days=days)):
        _notice(settings, mailer, member, now, report)
    return report


def _notice(settings, mailer, member: Membership, now: datetime, report: ExpiryReport) -> None:
    if not claimed(access.counts(member, now) and store.claim_end_notice(member.id, now)):
        return
    today = now.astimezone(UTC).date()
    days_left = (member.access_ends_on - today).days if member.access_ends_on else 0
    if report.send_claimed(
        [member.id],
        lambda: _send_notice(settings, mailer, member, days_left, now),
        lambda: store.release_end_notice(member.id),
        "the end-of-access notice",
    ):
        report.noticed.append(member.id)
