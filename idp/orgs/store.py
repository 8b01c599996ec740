"""Queries for organizations, memberships and invitations."""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import Select, func, inspect, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.util import identity_key

from idp.accounts.models import User
from idp.extensions import affected_rows, db
from idp.orgs.models import Invitation, Membership, Organization

T = TypeVar("T")


def _one(model: type[T], **columns: object) -> T | None:
    """The row of ``model`` with these column values, or None (the columns are unique)."""
    return db.session.scalar(db.select(model).filter_by(**columns))


def _all(query: Select[tuple[T]]) -> list[T]:
    return list(db.session.scalars(query))


def get_org(org_id: str) -> Organization | None:
    return db.session.get(Organization, org_id)


def org_by_identifiers(tax_id: str, npi: str) -> Organization | None:
    return _one(Organization, tax_id=tax_id, npi=npi)


def orgs_with_status(status: str) -> list[Organization]:
    return _all(
        db.select(Organization)
        .where(Organization.status == status)
        .order_by(Organization.created_at)
    )


def user_by_email(email: str) -> User | None:
    return _one(User, email=email)


def membership(user_id: str, org_id: str) -> Membership | None:
    """The person's membership of the office, or None.

    Read from the person's memberships when this session has them loaded already, as
    ``session.get`` reads from the identity map: a sign-in, an authorization and a token
    request each load the person with their memberships moments before they ask (one query
    fewer each). A commit expires them (unless kept on purpose), and the query runs."""
    user = db.session.identity_map.get(identity_key(User, user_id))
    if user is not None and "memberships" not in inspect(user).unloaded:
        return next((m for m in user.memberships if m.org_id == org_id), None)
    return _one(Membership, user_id=user_id, org_id=org_id)


def membership_in_org(membership_id: str, org_id: str) -> Membership | None:
    return _one(Membership, id=membership_id, org_id=org_id)


def memberships_of_user(user_id: str) -> list[Membership]:
    return _all(
        db.select(Membership)
        .where(Membership.user_id == user_id)
        .order_by(Membership.created_at, Membership.id)
    )


def members_of_org(org_id: str) -> list[Membership]:
    return _all(
        db.select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org_id)
        .order_by(User.display_name, User.username)
    )


def members_of_org_page(org_id: str, *, offset: int, limit: int) -> list[Membership]:
    """One page of an office's members by name, each with the person loaded (one query)."""
    return list(
        db.session.scalars(
            db.select(Membership)
            .join(User, User.id == Membership.user_id)
            .options(joinedload(Membership.user))
            .where(Membership.org_id == org_id)
            .order_by(User.display_name, User.username, Membership.id)
            .offset(offset)
            .limit(limit)
        ).unique()
    )


def count_members(org_id: str) -> int:
    query = db.select(func.count()).select_from(Membership).where(Membership.org_id == org_id)
    return db.session.scalar(query) or 0


def memberships_ending_between(first: date, last: date) -> list[Membership]:
    """Active memberships whose access ends between ``first`` and ``last`` (inclusive) and
    whose notice has not been sent."""
    return _all(
        db.select(Membership)
        .where(
            Membership.access_ends_on.is_not(None),
            Membership.access_ends_on >= first,
            Membership.access_ends_on <= last,
            Membership.access_end_notice_sent_at.is_(None),
            Membership.access_ended_at.is_(None),
            Membership.status == "active",
        )
        .order_by(Membership.access_ends_on, Membership.id)
    )


def memberships_ended_before(today: date) -> list[Membership]:
    """Memberships whose last day is before ``today`` and whose end is not yet recorded."""
    return _all(
        db.select(Membership)
        .where(
            Membership.access_ends_on.is_not(None),
            Membership.access_ends_on < today,
            Membership.access_ended_at.is_(None),
        )
        .order_by(Membership.access_ends_on, Membership.id)
    )


def _claim(membership_id: str, column, now: datetime | None, *, was_none: bool = True) -> bool:
    condition = column.is_(None) if was_none else column.is_not(None)
    count = affected_rows(
        update(Membership)
        .where(Membership.id == membership_id, condition)
        .values({column.key: now})
        .execution_options(synchronize_session=False)
    )
    return count == 1


def claim_end_notice(membership_id: str, now: datetime) -> bool:
    """Atomically mark the end notice sent: True for exactly one caller."""
    return _claim(membership_id, Membership.access_end_notice_sent_at, now)


def release_end_notice(membership_id: str) -> None:
    """Undo a claim whose mail could not be sent (the next run tries again)."""
    _claim(membership_id, Membership.access_end_notice_sent_at, None, was_none=False)


def claim_access_end(membership_id: str, now: datetime) -> bool:
    """Atomically record that access ended: True for exactly one caller."""
    return _claim(membership_id, Membership.access_ended_at, now)


def invitations_of_org(org_id: str) -> list[Invitation]:
    return _all(
        db.select(Invitation)
        .where(Invitation.org_id == org_id)
        .order_by(Invitation.created_at.desc())
    )


def invitation_in_org(invitation_id: str, org_id: str) -> Invitation | None:
    return _one(Invitation, id=invitation_id, org_id=org_id)


def invitation_by_token_hash(token_hash: str) -> Invitation | None:
    return _one(Invitation, token_hash=token_hash)


def open_invitations_for(org_id: str, email: str) -> list[Invitation]:
    return _all(
        db.select(Invitation).where(
            Invitation.org_id == org_id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    )


def claim_invitation(invitation_id: str, user_id: str, now: datetime) -> bool:
    """Atomically mark an invitation accepted: True for exactly one caller."""
    count = affected_rows(
        update(Invitation)
        .where(
            Invitation.id == invitation_id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(accepted_at=now, accepted_by_id=user_id)
        .execution_options(synchronize_session=False)
    )
    return count == 1


# --- the access review ----------------------------------------------------------------------


def _confirmed_since():
    return func.coalesce(Membership.access_confirmed_at, Membership.created_at)


def memberships_confirmed_before(moment: datetime, org_id: str | None = None) -> list[Membership]:
    """Active memberships of approved offices, not ended, last confirmed (or begun) at or
    before ``moment``; of one office, or of all. Oldest confirmation first."""
    query = (
        db.select(Membership)
        .join(Organization, Organization.id == Membership.org_id)
        .where(
            Membership.status == "active",
            Membership.access_ended_at.is_(None),
            Organization.status == "approved",
            _confirmed_since() <= moment,
        )
    )
    if org_id is not None:
        query = query.where(Membership.org_id == org_id)
    return _all(query.order_by(_confirmed_since(), Membership.id))


def claim_review_reminder(membership_id: str, now: datetime) -> bool:
    """Atomically mark the member's review reminder sent: True for exactly one caller."""
    return _claim(membership_id, Membership.review_reminded_at, now)


def release_review_reminder(membership_id: str) -> None:
    """Undo a reminder claim whose mail could not be sent (the next run tries again)."""
    _claim(membership_id, Membership.review_reminded_at, None, was_none=False)


def claim_review_suspension(
    membership_id: str, confirmed_before: datetime, reminded_before: datetime | None
) -> bool:
    """Atomically deactivate a membership still unconfirmed since ``confirmed_before``
    (and, with ``reminded_before``, whose reminder went out by then): True for one caller."""
    conditions = [
        Membership.id == membership_id,
        Membership.status == "active",
        _confirmed_since() <= confirmed_before,
    ]
    if reminded_before is not None:
        conditions.append(Membership.review_reminded_at <= reminded_before)
    count = affected_rows(
        update(Membership)
        .where(*conditions)
        .values(status="deactivated")
        .execution_options(synchronize_session=False)
    )
    return count == 1
