"""The daily job behind access end dates (``idp orgs expire-memberships``).

A membership stops counting by itself once its last day has passed (``access.counts``
reads the date; nothing waits for this job). The job does what should happen once around
that moment:

- ``[orgs] access_end_notice_days`` before the date, it mails the member, and the office's
  administrators, a notice (once per end date: a new date sends a new one);
- after the date, it records ``membership.ended`` (once), moves the person's sessions out of
  the office at their next request and runs the membership hooks (OAuth refresh tokens for
  the office already stop at their next use, through ``access.counts``).

Each membership is claimed with an atomic UPDATE before its mail or event, so two runs at
once, or a run repeated, do each thing once. A notice whose mail fails is released and
tried again by the next run; a crash between claim and mail loses that notice rather than
sending it twice. Dates are in UTC.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from idp.audit import record
from idp.common.clock import Clock
from idp.extensions import db
from idp.login.privileges import note_changed
from idp.orgs import access, store
from idp.orgs.effects import membership_changed
from idp.orgs.models import Membership
from idp.orgs.roles import get_role

log = logging.getLogger(__name__)


@dataclass
class ExpiryReport:
    """Membership ids the run acted on."""

    ended: list[str] = field(default_factory=list)
    noticed: list[str] = field(default_factory=list)
    #: Notices whose mail failed (the next run tries again).
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"ended": self.ended, "noticed": self.noticed, "failed": self.failed}


def _name(user) -> str:
    return user.display_name or user.username


def _admins(settings, member: Membership) -> list:
    return [
        m.user
        for m in store.members_of_org(member.org_id)
        if m.user_id != member.user_id
        and access.MANAGE_MEMBERS in access.role_permissions(settings, m.role)
        and access.counts(m)
    ]


def _send_notice(settings, mailer, member: Membership, days_left: int) -> None:
    org, user = member.organization, member.user
    role = get_role(settings, member.role)
    ends = member.access_ends_on.isoformat() if member.access_ends_on else ""
    mailer.send_template(
        user.email,
        "membership_ending",
        name=_name(user),
        org=org.legal_name,
        ends_on=ends,
        days=days_left,
    )
    for admin in _admins(settings, member):
        try:
            mailer.send_template(
                admin.email,
                "membership_ending_admin",
                name=_name(admin),
                member=_name(user),
                role=role.label if role else member.role,
                org=org.legal_name,
                ends_on=ends,
                members_url=f"{settings.issuer}/orgs/{org.id}/members",
            )
        except Exception:  # the member was told; the administrators see it on the page
            log.exception("could not mail the end-of-access notice to an administrator")


def _end(member: Membership, now) -> bool:
    if not store.claim_access_end(member.id, now):
        db.session.rollback()
        return False
    record(
        "membership.ended",
        subject_id=member.user_id,
        org_id=member.org_id,
        membership_id=member.id,
        access_ends_on=member.access_ends_on.isoformat() if member.access_ends_on else None,
        role=member.role,
        before={"access": "active"},
        after={"access": "ended"},
    )
    # The claim is a bulk UPDATE the ORM events cannot see: sessions still learn of it.
    note_changed(member.user_id)
    db.session.commit()
    membership_changed(member.user_id, member.org_id)
    return True


def expire_memberships(settings, *, clock: Clock, mailer) -> ExpiryReport:
    """Record the end of every membership whose last day has passed and mail the notices
    that are due; idempotent, safe to run as often as wanted (daily is enough)."""
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
        if not access.counts(member, now) or not store.claim_end_notice(member.id, now):
            db.session.rollback()
            continue
        db.session.commit()
        days_left = (member.access_ends_on - today).days if member.access_ends_on else 0
        try:
            _send_notice(settings, mailer, member, days_left)
        except Exception:
            log.exception("could not mail the end-of-access notice of membership %s", member.id)
            store.release_end_notice(member.id)
            db.session.commit()
            report.failed.append(member.id)
            continue
        report.noticed.append(member.id)
    return report
