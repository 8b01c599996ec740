"""The access review, for an office's administrators: who is due, "still needs access"
(one member or every member shown) and "remove".

An administrator (``org.members.manage``, through ``idp.orgs.access``) confirms that each
member of the office still needs access every ``[access_review] cadence_days``; the job
(``idp.orgs.review_job``) reminds them before and suspends what is left unconfirmed after
the grace period. A confirmation records who and when on the membership and
``access_review.confirmed``; a removal is ``access_review.removed`` and the members area's
removal (``members.remove_member``: the last administrator stays).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from idp.accounts.models import User
from idp.common.clock import Clock
from idp.errors import Conflict, DomainError, NotFound
from idp.extensions import db
from idp.orgs import access, members, store
from idp.orgs.models import Membership, Organization
from idp.orgs.review_policy import ReviewPolicy, confirmed_since, review_policy
from idp.orgs.roles import Role, get_role

#: Most members one "confirm all shown" may name.
MAX_CONFIRM = 500


@dataclass(frozen=True)
class ReviewRow:
    membership: Membership
    user: User
    role: Role | None
    confirmed_since: datetime
    due_at: datetime
    #: When it is suspended if nobody confirms it (the job may wait for its reminder).
    suspends_at: datetime
    overdue: bool


@dataclass(frozen=True)
class ReviewPage:
    org: Organization
    #: False when ``cadence_days`` is 0 (the review is switched off).
    on: bool
    #: Members due within the reminder window, or overdue; soonest first.
    due: list[ReviewRow]
    #: Members that count and are not due yet, and the earliest next due date among them.
    not_due: int
    next_due_at: datetime | None


def _row(settings, policy: ReviewPolicy, member: Membership, now: datetime) -> ReviewRow:
    due = policy.due_at(member)
    return ReviewRow(
        membership=member,
        user=member.user,
        role=get_role(settings, member.role),
        confirmed_since=confirmed_since(member),
        due_at=due,
        suspends_at=due + policy.grace,
        overdue=due <= now,
    )


def _office(settings, actor: User, org_id: str) -> Organization:
    return access.office(settings, actor, org_id, access.MANAGE_MEMBERS)


def review_page(settings, actor: User, org_id: str, *, now: datetime) -> ReviewPage:
    """The office's review: the members due (or overdue) and how many are not yet due."""
    org = _office(settings, actor, org_id)
    policy = review_policy(settings)
    if not policy.on:
        return ReviewPage(org, False, [], 0, None)
    counting = [m for m in store.members_of_org(org_id) if access.counts(m, now)]
    rows = sorted(
        (_row(settings, policy, m, now) for m in counting), key=lambda r: (r.due_at, r.user.id)
    )
    window = now + policy.warning
    due = [r for r in rows if r.due_at <= window]
    later = [r for r in rows if r.due_at > window]
    return ReviewPage(org, True, due, len(later), later[0].due_at if later else None)


def confirm(
    settings,
    actor: User,
    org_id: str,
    membership_ids: list[str],
    *,
    clock: Clock,
    ip: str | None = None,
) -> int:
    """Record that each named member of the office still needs access: the next cycle
    starts now. All or nothing (NotFound for a member of another office, Conflict for one
    whose membership does not count); the number confirmed."""
    _office(settings, actor, org_id)
    ids = list(dict.fromkeys(membership_ids))
    if not ids:
        raise DomainError("Choose at least one member to confirm.")
    if len(ids) > MAX_CONFIRM:
        raise DomainError(f"Confirm at most {MAX_CONFIRM} members at once.")
    now = clock.now()
    policy = review_policy(settings)
    for membership_id in ids:
        member = store.membership_in_org(membership_id, org_id)
        if member is None:
            db.session.rollback()
            raise NotFound("No such member in this office.")
        if not access.counts(member, now):
            db.session.rollback()
            raise Conflict("Only a member whose access is active can be confirmed.")
        before = confirmed_since(member)
        member.access_confirmed_at, member.access_confirmed_by_id = now, actor.id
        member.review_reminded_at = None
        members.member_event(
            "access_review.confirmed",
            actor,
            member,
            ip,
            confirmed_since=before.isoformat(),
            was_due_at=(before + policy.period).isoformat(),
            next_due_at=(now + policy.period).isoformat(),
        )
    db.session.commit()
    return len(ids)


def remove(settings, actor: User, org_id: str, membership_id: str, *, ip: str | None = None):
    """The member no longer needs access: remove them from the office (as the members page
    does; the office's last lasting administrator cannot be removed)."""
    member = members.get_member(settings, actor, org_id, membership_id)
    since = confirmed_since(member).isoformat()
    members.member_event(
        "access_review.removed", actor, member, ip, role=member.role, confirmed_since=since
    )
    try:
        members.remove_member(settings, actor, org_id, membership_id, ip=ip)
    except DomainError:
        db.session.rollback()
        raise
