"""An office's members, managed by its administrators: the members list, change a role,
deactivate / reactivate in this office, an access end date, remove someone. An office always
keeps at least one administrator whose access lasts (active, with no end date).

Every function takes (settings, actor, org_id, ids and values, collaborators), checks the
actor's permission in that office through ``idp.orgs.access``, records an audit event with
what was before and after, and raises ``idp.errors`` domain errors; the pages, the API and
the CLI all call these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial

from idp.accounts.fields import FieldErrors
from idp.accounts.models import User
from idp.audit import record
from idp.common.clock import Clock, utcnow
from idp.errors import Conflict, DomainError
from idp.extensions import db
from idp.mfa.store import users_with_mfa
from idp.orgs import access, store
from idp.orgs.effects import membership_changed
from idp.orgs.models import Membership, Organization
from idp.orgs.roles import Role, check_org_role, get_role

LAST_ADMIN = (
    "An office needs at least one administrator whose access lasts (active, with no end "
    "date). Promote someone first."
)
PER_PAGE = 50
#: How far ahead an access end date may be set.
MAX_END_DAYS = 10 * 366
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ConfirmationRequired(DomainError):
    """The change takes effect at once and must be confirmed first (``confirm=True``)."""

    code = "confirmation_required"


# --- reading ------------------------------------------------------------------------------


def member_state(membership: Membership, now: datetime | None = None) -> str:
    """``active``, ``ending`` (an end date ahead), ``ended`` or ``deactivated``."""
    if membership.status != "active":
        return "deactivated"
    if access.access_ended(membership, now):
        return "ended"
    return "ending" if membership.access_ends_on else "active"


@dataclass(frozen=True)
class MemberRow:
    membership: Membership
    user: User
    role: Role | None
    state: str
    last_sign_in_at: datetime | None
    has_mfa: bool
    may_reset_mfa: bool


@dataclass(frozen=True)
class MembersPage:
    org: Organization
    rows: list[MemberRow]
    page: int
    pages: int
    total: int


def _row(settings, actor: User, member: Membership, with_mfa: set[str], now) -> MemberRow:
    return MemberRow(
        membership=member,
        user=member.user,
        role=get_role(settings, member.role),
        state=member_state(member, now),
        # The one place the members pages read the last sign-in.
        last_sign_in_at=member.user.last_sign_in_at,
        has_mfa=member.user_id in with_mfa,
        may_reset_mfa=member.user_id in with_mfa
        and access.may_reset_mfa(settings, actor, member.user),
    )


def list_members(
    settings,
    actor: User,
    org_id: str,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    now: datetime | None = None,
) -> MembersPage:
    """One page of the office's members with role, state, last sign-in and MFA state."""
    org = access.office(settings, actor, org_id, access.MANAGE_MEMBERS)
    total = store.count_members(org_id)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    members = store.members_of_org_page(org_id, offset=(page - 1) * per_page, limit=per_page)
    with_mfa = users_with_mfa(m.user_id for m in members)
    rows = [_row(settings, actor, m, with_mfa, now) for m in members]
    return MembersPage(org, rows, page, pages, total)


def members_of(settings, actor: User, org_id: str) -> list[Membership]:
    """Every member of the office (no paging), for an office administrator."""
    access.require_org_permission(settings, actor, org_id, access.MANAGE_MEMBERS)
    return store.members_of_org(org_id)


def get_member(settings, actor: User, org_id: str, membership_id: str) -> Membership:
    """One member of the office, for an administrator of it (404 when not in this office)."""
    find = partial(store.membership_in_org, membership_id, org_id)
    return access.office_record(settings, actor, org_id, access.MANAGE_MEMBERS, find, "member")


def member_details(
    settings, actor: User, org_id: str, membership_id: str, *, now: datetime | None = None
) -> MemberRow:
    """One member of the office with role, state, last sign-in and MFA state."""
    member = get_member(settings, actor, org_id, membership_id)
    return _row(settings, actor, member, users_with_mfa([member.user_id]), now)


# --- the office keeps an administrator ------------------------------------------------------


def _lasting_admin(settings, member: Membership) -> bool:
    return (
        access.MANAGE_MEMBERS in access.role_permissions(settings, member.role)
        and access.counts(member)
        and member.access_ends_on is None
    )


def is_last_admin(settings, org_id: str, member: Membership) -> bool:
    """Whether ``member`` is the office's last lasting administrator (active, no end date)."""
    if not _lasting_admin(settings, member):
        return False
    members = store.members_of_org(org_id)
    return not any(m.id != member.id and _lasting_admin(settings, m) for m in members)


def _refuse_if_last_admin(settings, org_id: str, member: Membership) -> None:
    """Refuse a change that takes away the office's last lasting administrator."""
    if is_last_admin(settings, org_id, member):
        raise Conflict(LAST_ADMIN)


def _snapshot(member: Membership) -> dict:
    ends = member.access_ends_on
    return {
        "role": member.role,
        "status": member.status,
        "access_ends_on": ends.isoformat() if ends else None,
    }


def member_event(event: str, actor: User, member: Membership, ip: str | None, **data) -> None:
    """Record what an administrator did about ``member``: its person is the subject, its
    office and membership are named. The caller commits."""
    record(
        event,
        actor_id=actor.id,
        subject_id=member.user_id,
        org_id=member.org_id,
        ip=ip,
        membership_id=member.id,
        **data,
    )


def _commit_change(
    event: str, actor: User, member: Membership, before: dict, ip: str | None, **extra
) -> Membership:
    member_event(event, actor, member, ip, before=before, after=_snapshot(member), **extra)
    db.session.commit()
    membership_changed(member.user_id, member.org_id)
    return member


# --- changes ------------------------------------------------------------------------------


def change_role(
    settings, actor: User, org_id: str, membership_id: str, role_name: str, *, ip=None
) -> Membership:
    """Promote or demote: give the member another office role (never the last admin's)."""
    member = get_member(settings, actor, org_id, membership_id)
    errors: dict[str, str] = {}
    check_org_role(settings, role_name, errors)
    if errors:
        raise FieldErrors(errors)
    if member.role == role_name:
        return member
    if access.MANAGE_MEMBERS not in access.role_permissions(settings, role_name):
        _refuse_if_last_admin(settings, org_id, member)
    before = _snapshot(member)
    member.role = role_name
    return _commit_change(
        "org.member.role_changed",
        actor,
        member,
        before,
        ip,
        old_role=before["role"],
        new_role=role_name,
    )


def deactivate_member(
    settings, actor: User, org_id: str, membership_id: str, *, ip=None
) -> Membership:
    """End the person's access to this office (their other offices are untouched); their
    sessions leave it at their next request, its refresh tokens stop working."""
    member = get_member(settings, actor, org_id, membership_id)
    if member.status == "deactivated":
        return member
    _refuse_if_last_admin(settings, org_id, member)
    before = _snapshot(member)
    member.status = "deactivated"
    return _commit_change("org.member.deactivated", actor, member, before, ip)


def reactivate_member(
    settings, actor: User, org_id: str, membership_id: str, *, ip=None, clock: Clock | None = None
) -> Membership:
    """Give a deactivated member their access to this office back (an end date that has
    passed still applies: change it as well). Reactivating confirms the member's access
    (the access review's next cycle starts now)."""
    member = get_member(settings, actor, org_id, membership_id)
    if member.status == "active":
        return member
    before = _snapshot(member)
    member.status = "active"
    member.access_confirmed_at = (clock or Clock()).now()
    member.access_confirmed_by_id, member.review_reminded_at = actor.id, None
    return _commit_change("org.member.reactivated", actor, member, before, ip)


def parse_end_date(text: str | None) -> date | None:
    """An access end date as typed (``YYYY-MM-DD``; empty for none), or FieldErrors."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if not DATE_RE.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise FieldErrors({"access_ends_on": "Enter a date as YYYY-MM-DD."}) from None


def set_access_end(
    settings,
    actor: User,
    org_id: str,
    membership_id: str,
    ends_on: date | None,
    *,
    clock: Clock,
    confirm: bool = False,
    ip=None,
) -> Membership:
    """Set (or clear, with None) the last day of the member's access, in UTC.

    A day before today ends the access at once: that needs ``confirm=True``
    (ConfirmationRequired otherwise) and records ``membership.ended`` now. A new date sends
    a new notice before it."""
    member = get_member(settings, actor, org_id, membership_id)
    now = clock.now()
    today = now.astimezone(UTC).date()
    if ends_on is not None and ends_on > today + timedelta(days=MAX_END_DAYS):
        raise FieldErrors({"access_ends_on": "Choose a date within the next ten years."})
    if ends_on == member.access_ends_on:
        return member
    if ends_on is not None:
        _refuse_if_last_admin(settings, org_id, member)
    ends_now = ends_on is not None and ends_on < today
    if ends_now and not confirm:
        raise ConfirmationRequired("This date has passed: access would end at once. Confirm.")
    before = _snapshot(member)
    member.access_ends_on = ends_on
    member.access_end_notice_sent_at = None
    member.access_ended_at = now if ends_now else None
    if ends_on is not None and ends_now:
        member_event(
            "membership.ended",
            actor,
            member,
            ip,
            access_ends_on=ends_on.isoformat(),
            before={"access": "active"},
            after={"access": "ended"},
        )
    return _commit_change("org.member.access_end_set", actor, member, before, ip)


def remove_member(settings, actor: User, org_id: str, membership_id: str, *, ip=None) -> None:
    """Remove the affiliation with this office; the person keeps their account and their
    other offices."""
    member = get_member(settings, actor, org_id, membership_id)
    _refuse_if_last_admin(settings, org_id, member)
    user_id, before = member.user_id, _snapshot(member)
    db.session.delete(member)
    member_event(
        "org.member.removed", actor, member, ip, role=before["role"], before=before, after=None
    )
    db.session.commit()
    membership_changed(user_id, org_id)


def today_utc(now: datetime | None = None) -> date:
    """The current day in UTC, the day access end dates are counted in."""
    return (now or utcnow()).astimezone(UTC).date()
