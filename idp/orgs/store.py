"""Queries for organizations, memberships and invitations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from idp.accounts.models import User
from idp.extensions import db
from idp.orgs.models import Invitation, Membership, Organization


def get_org(org_id: str) -> Organization | None:
    return db.session.get(Organization, org_id)


def org_by_identifiers(tax_id: str, npi: str) -> Organization | None:
    return db.session.scalar(
        db.select(Organization).where(Organization.tax_id == tax_id, Organization.npi == npi)
    )


def orgs_with_status(status: str) -> list[Organization]:
    return list(
        db.session.scalars(
            db.select(Organization)
            .where(Organization.status == status)
            .order_by(Organization.created_at)
        )
    )


def user_by_username(username: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.username == username))


def user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email))


def membership(user_id: str, org_id: str) -> Membership | None:
    return db.session.scalar(
        db.select(Membership).where(Membership.user_id == user_id, Membership.org_id == org_id)
    )


def membership_in_org(membership_id: str, org_id: str) -> Membership | None:
    return db.session.scalar(
        db.select(Membership).where(Membership.id == membership_id, Membership.org_id == org_id)
    )


def memberships_of_user(user_id: str) -> list[Membership]:
    return list(
        db.session.scalars(
            db.select(Membership)
            .where(Membership.user_id == user_id)
            .order_by(Membership.created_at, Membership.id)
        )
    )


def members_of_org(org_id: str) -> list[Membership]:
    return list(
        db.session.scalars(
            db.select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.org_id == org_id)
            .order_by(User.display_name, User.username)
        )
    )


def invitations_of_org(org_id: str) -> list[Invitation]:
    return list(
        db.session.scalars(
            db.select(Invitation)
            .where(Invitation.org_id == org_id)
            .order_by(Invitation.created_at.desc())
        )
    )


def invitation_in_org(invitation_id: str, org_id: str) -> Invitation | None:
    return db.session.scalar(
        db.select(Invitation).where(Invitation.id == invitation_id, Invitation.org_id == org_id)
    )


def invitation_by_token_hash(token_hash: str) -> Invitation | None:
    return db.session.scalar(db.select(Invitation).where(Invitation.token_hash == token_hash))


def open_invitations_for(org_id: str, email: str) -> list[Invitation]:
    return list(
        db.session.scalars(
            db.select(Invitation).where(
                Invitation.org_id == org_id,
                Invitation.email == email,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
        )
    )


def claim_invitation(invitation_id: str, user_id: str, now: datetime) -> bool:
    """Atomically mark an invitation accepted: True for exactly one caller."""
    result = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation_id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(accepted_at=now, accepted_by_id=user_id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
