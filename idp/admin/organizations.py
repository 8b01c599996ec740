"""Organizations, for security admins: the review queue (with a flag when another
organization, of any status, already has the TIN or the NPI), details with members (and
when each is next due in the office's access review), and
approve / reject / suspend / reinstate through ``idp.orgs.approval`` (its rules, its mail)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from idp.accounts.models import User
from idp.common.clock import Clock
from idp.errors import NotFound
from idp.extensions import db
from idp.mail.base import Mailer
from idp.orgs import access, approval
from idp.orgs import store as org_store
from idp.orgs.models import Organization
from idp.orgs.review_policy import review_policy
from idp.orgs.roles import get_role

from . import APPROVE_ORGS, recording, store

ACTIONS = tuple(approval.TRANSITIONS)


@dataclass(frozen=True)
class Reviewed:
    org: Organization
    #: Other organizations (any status) with the same TIN or the same NPI.
    duplicates: list[Organization]

    @property
    def duplicate_tin(self) -> bool:
        return any(o.tax_id == self.org.tax_id for o in self.duplicates)

    @property
    def duplicate_npi(self) -> bool:
        return any(o.npi == self.org.npi for o in self.duplicates)


@dataclass(frozen=True)
class Queue:
    pending: list[Reviewed]
    suspended: list[Reviewed]
    approved: list[Reviewed]


@dataclass(frozen=True)
class MemberView:
    user_id: str
    username: str
    display_name: str
    email: str
    email_verified: bool
    user_status: str
    role_label: str
    #: When the office's administrators must next confirm this member (access review);
    #: None while the membership does not count or the review is off.
    review_due_at: datetime | None = None


@dataclass(frozen=True)
class OrgDetails:
    reviewed: Reviewed
    members: list[MemberView]
    decided_by: User | None


def review_queue(settings, actor: User) -> Queue:
    """Contract: pending registrations (oldest first), suspended and approved offices, each
    with the other organizations sharing its TIN or NPI."""
    groups = approval.organizations_for_review(settings, actor)
    everyone = [org for orgs in groups.values() for org in orgs]
    shared = store.orgs_sharing_identifiers(everyone)

    def reviewed(status: str) -> list[Reviewed]:
        return [Reviewed(org, shared.get(org.id, [])) for org in groups[status]]

    return Queue(reviewed("pending"), reviewed("suspended"), reviewed("approved"))


def details(settings, actor: User, org_id: str) -> OrgDetails:
    """Contract: one organization with its members and duplicates; NotFound."""
    access.require_platform_permission(settings, actor, APPROVE_ORGS)
    org = org_store.get_org(org_id)
    if org is None:
        raise NotFound("No such organization.")
    members = []
    policy = review_policy(settings)
    for m in org_store.members_of_org(org.id):
        role = get_role(settings, m.role)
        reviewed = policy.on and access.counts(m)
        members.append(
            MemberView(
                user_id=m.user.id,
                username=m.user.username,
                display_name=m.user.display_name,
                email=m.user.email,
                email_verified=m.user.email_verified,
                user_status=m.user.status,
                role_label=role.label if role else m.role,
                review_due_at=policy.due_at(m) if reviewed else None,
            )
        )
    decided_by = db.session.get(User, org.decided_by_id) if org.decided_by_id else None
    shared = store.orgs_sharing_identifiers([org])[org.id]
    return OrgDetails(Reviewed(org, shared), members, decided_by)


def change_status(
    settings,
    actor: User,
    org_id: str,
    action: str,
    *,
    reason: str = "",
    mailer: Mailer,
    clock: Clock,
    ip: str | None = None,
) -> Organization:
    """Contract: ``action`` is approve, reject (reason required), suspend (reason required)
    or reinstate (``approval.transition``); FieldErrors, Conflict on the wrong status."""
    access.require_platform_permission(settings, actor, APPROVE_ORGS)
    org = org_store.get_org(org_id)
    if org is None:
        raise NotFound("No such organization.")
    before = {"status": org.status}
    org = approval.transition(
        org_id, actor, action, reason=reason, settings=settings, mailer=mailer, clock=clock, ip=ip
    )
    recording.changed(
        f"admin.org.{approval.TRANSITIONS[action].event.split('.', 1)[1]}",
        actor,
        org_id=org.id,
        ip=ip,
        reason=org.decision_reason or "",
        before=before,
        after={"status": org.status},
    )
    return org
