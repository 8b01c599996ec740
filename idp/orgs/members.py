"""An office's members, managed by its administrators: change a role, remove someone; an
office always keeps at least one administrator."""

from __future__ import annotations

from idp.accounts.fields import FieldErrors
from idp.accounts.models import User
from idp.audit import record
from idp.errors import Conflict, NotFound
from idp.extensions import db
from idp.orgs import access, store
from idp.orgs.effects import membership_changed
from idp.orgs.models import Membership
from idp.orgs.roles import check_org_role

LAST_ADMIN = "An office needs at least one administrator. Promote someone first."


def members_of(org_id: str, actor: User, *, settings) -> list[Membership]:
    access.require_org_permission(settings, actor, org_id, access.MANAGE_MEMBERS)
    return store.members_of_org(org_id)


def _managed_member(settings, actor: User, org_id: str, membership_id: str) -> Membership:
    access.require_org_permission(settings, actor, org_id, access.MANAGE_MEMBERS)
    member = store.membership_in_org(membership_id, org_id)
    if member is None:
        raise NotFound("No such member in this office.")
    return member


def _would_leave_no_admin(settings, org_id: str, member: Membership) -> bool:
    admins = [
        m
        for m in store.members_of_org(org_id)
        if access.MANAGE_MEMBERS in access.role_permissions(settings, m.role)
    ]
    return [m.id for m in admins] == [member.id]


def change_role(
    org_id: str,
    membership_id: str,
    actor: User,
    role_name: str,
    *,
    settings,
    ip: str | None = None,
) -> Membership:
    member = _managed_member(settings, actor, org_id, membership_id)
    errors: dict[str, str] = {}
    check_org_role(settings, role_name, errors)
    if errors:
        raise FieldErrors(errors)
    if member.role == role_name:
        return member
    demoted = access.MANAGE_MEMBERS not in access.role_permissions(settings, role_name)
    if demoted and _would_leave_no_admin(settings, org_id, member):
        raise Conflict(LAST_ADMIN)
    old = member.role
    member.role = role_name
    record(
        "org.member.role_changed",
        actor_id=actor.id,
        subject_id=member.user_id,
        org_id=org_id,
        ip=ip,
        old_role=old,
        new_role=role_name,
    )
    db.session.commit()
    membership_changed(member.user_id, org_id)
    return member


def remove_member(
    org_id: str, membership_id: str, actor: User, *, settings, ip: str | None = None
) -> None:
    member = _managed_member(settings, actor, org_id, membership_id)
    if _would_leave_no_admin(settings, org_id, member):
        raise Conflict(LAST_ADMIN)
    user_id, role = member.user_id, member.role
    db.session.delete(member)
    record(
        "org.member.removed", actor_id=actor.id, subject_id=user_id, org_id=org_id, ip=ip, role=role
    )
    db.session.commit()
    membership_changed(user_id, org_id)
