"""Who may do what, where: the one home of every access decision about offices and roles.

Views, the OAuth layer, the gateway, the CLI and (later) the admin API all ask here:

- whether a membership *counts* (``counts``, ``active_membership``, ``counting_memberships``);
- what a role, a person in an office, or a platform role may do (``*_permissions``);
- which OAuth scopes a role grants (``role_scopes``, ``org_scopes``);
- whether, and which, second factor a person must use (``mfa_policy``);
- an office's own session limits (``session_limits``);
- who may use emergency access, and who is alerted when it is used
  (``may_use_emergency_access``, ``emergency_alert_roles``).

Nothing here knows HTTP; callers pass the settings and the rows they have.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from idp.accounts.models import User
from idp.common.clock import utcnow
from idp.errors import DomainError, Forbidden, NotFound
from idp.login.assurance import PHISHING_RESISTANT_AMR
from idp.login.offices import SessionLimits
from idp.orgs import store
from idp.orgs.models import Membership, Organization
from idp.orgs.roles import Role, get_role, roles

# Permissions named in code; roles grant them in ``[roles.*].permissions``.
MANAGE_MEMBERS = "org.members.manage"
MANAGE_INVITATIONS = "org.invitations.manage"
RESET_MFA = "org.mfa.reset"
APPROVE_ORGS = "admin.orgs.approve"
MANAGE_USERS = "admin.users.manage"
EMERGENCY_ACCESS = "admin.emergency_access"
VIEW_AUDIT = "admin.audit.view"

# --- memberships ----------------------------------------------------------------------------


def access_ended(membership: Membership, now: datetime | None = None) -> bool:
    """Whether the membership's access end date has passed: access ends at the end of that
    day, in UTC (offices' own time zones are not modelled)."""
    ends_on = membership.access_ends_on
    return ends_on is not None and (now or utcnow()).astimezone(UTC).date() > ends_on


def counts(membership: Membership | None, now: datetime | None = None) -> bool:
    """A membership grants anything only while its office is approved, it is not
    deactivated and its access end date (if any) has not passed.

    Every check of "may this person act for this office" (sessions, the dashboard, OAuth
    codes, refresh and token exchange, the gateway) comes here. ``now`` defaults to the
    current time."""
    return (
        membership is not None
        and membership.organization.status == "approved"
        and _lasts(membership, now)
    )


def _lasts(membership: Membership, now: datetime | None) -> bool:
    """The membership's own part of ``counts``: not deactivated, its end date not passed."""
    return membership.status == "active" and not access_ended(membership, now)


def active_membership(
    user_id: str, org_id: str | None, now: datetime | None = None
) -> Membership | None:
    """The person's membership of ``org_id`` when it counts, else None."""
    if not org_id:
        return None
    member = store.membership(user_id, org_id)
    return member if counts(member, now) else None


def counting_memberships(user: User, now: datetime | None = None) -> list[Membership]:
    """The memberships of ``user`` that count, oldest first."""
    ordered = sorted(user.memberships, key=lambda m: (m.created_at, m.id))
    return [m for m in ordered if counts(m, now)]


def is_member(user: User, org_id: str | None) -> bool:
    return any(m.org_id == org_id for m in counting_memberships(user))


def default_org_id(user: User) -> str | None:
    """The office a new session starts in: the oldest membership that counts."""
    memberships = counting_memberships(user)
    return memberships[0].org_id if memberships else None


# --- permissions ----------------------------------------------------------------------------


def role_permissions(settings, role_name: str | None) -> frozenset[str]:
    role = get_role(settings, role_name) if role_name else None
    return frozenset(role.permissions) if role else frozenset()


def platform_role(settings, user: User | None) -> Role | None:
    """The person's platform role, when it is one (``platform = true``)."""
    if user is None or not user.platform_role:
        return None
    role = get_role(settings, user.platform_role)
    return role if role is not None and role.platform else None


def platform_permissions(settings, user: User | None) -> frozenset[str]:
    role = platform_role(settings, user)
    return frozenset(role.permissions) if role else frozenset()


def has_platform_permission(settings, user: User | None, permission: str) -> bool:
    return permission in platform_permissions(settings, user)


def require_platform_permission(settings, user: User | None, permission: str) -> None:
    if not has_platform_permission(settings, user, permission):
        raise Forbidden("You do not have permission to do this.")


def org_permissions(settings, user: User | None, org_id: str | None) -> frozenset[str]:
    """What ``user`` may do in ``org_id``: from their role there, while the membership counts."""
    if user is None:
        return frozenset()
    member = active_membership(user.id, org_id)
    return role_permissions(settings, member.role) if member else frozenset()


def require_org_permission(settings, user: User | None, org_id: str, permission: str) -> Membership:
    member = active_membership(user.id, org_id) if user is not None else None
    if member is None or permission not in role_permissions(settings, member.role):
        raise Forbidden("You can manage only an office where you are an administrator.")
    return member


def office(settings, user: User | None, org_id: str, permission: str) -> Organization:
    """The office itself, for someone who holds ``permission`` there: 403 before it is
    looked up, 404 when there is none."""
    require_org_permission(settings, user, org_id, permission)
    org = store.get_org(org_id)
    if org is None:
        raise NotFound("No such office.")
    return org


def office_record(settings, user: User | None, org_id: str, permission: str, find, what: str):
    """``find()`` -- a record of the office (a member, an invitation) -- for someone who
    holds ``permission`` there: 403 before anything is looked up, 404 when there is none."""
    require_org_permission(settings, user, org_id, permission)
    found = find()
    if found is None:
        raise NotFound(f"No such {what} in this office.")
    return found


def administrators(
    settings, org_id: str, now: datetime | None = None, *, any_office_status: bool = False
) -> list[Membership]:
    """The office's administrators now: members whose role manages members, while their
    membership counts (whom the office's notices go to).

    ``any_office_status``: whatever the office's own status. A security admin's decision
    on the office (approved, rejected, suspended, reinstated: ``orgs.approval``) is mailed
    to its administrators while their membership cannot count (the office is not approved
    yet, or no longer); their own membership must still be active and not ended."""
    lasting = _lasts if any_office_status else counts
    return [
        m
        for m in store.members_of_org(org_id)
        if MANAGE_MEMBERS in role_permissions(settings, m.role) and lasting(m, now)
    ]


def administered_org_ids(settings, user: User, permission: str) -> set[str]:
    """Offices where ``user`` holds ``permission`` through a membership that counts."""
    return {
        m.org_id
        for m in counting_memberships(user)
        if permission in role_permissions(settings, m.role)
    }


def may_reset_mfa(settings, actor: User, user: User) -> bool:
    """Security admins, and office administrators of an office the user belongs to.

    A reset lets the next password holder enrol a new authenticator, so an office
    administrator's reach stops at their own offices: people with a platform role, or who
    administer an office the actor does not, are reset by a security admin only."""
    if actor.id == user.id:
        return False
    if has_platform_permission(settings, actor, RESET_MFA):
        return True
    if user.platform_role:
        return False
    administered = administered_org_ids(settings, actor, RESET_MFA)
    if not administered & {m.org_id for m in user.memberships}:
        return False
    return not any(
        RESET_MFA in role_permissions(settings, m.role) and m.org_id not in administered
        for m in user.memberships
    )


def may_use_emergency_access(settings, user: User | None) -> bool:
    """Whether ``user`` may sign in with a sealed break-glass code (``idp.emergency``): an
    active account whose platform role grants ``admin.emergency_access`` (the security
    admins). Also who may be issued such a code."""
    return (
        user is not None
        and user.status == "active"
        and has_platform_permission(settings, user, EMERGENCY_ACCESS)
    )


def emergency_alert_roles(settings) -> frozenset[str]:
    """The platform roles whose holders are alerted when someone uses emergency access:
    those that may use it themselves (the other security admins)."""
    return frozenset(
        name
        for name, role in roles(settings).items()
        if role.platform and EMERGENCY_ACCESS in role.permissions
    )


def audit_scope(
    settings, user: User | None, org_id: str | None, *, own_office: bool = False
) -> str | None:
    """Which audit entries ``user`` may read: None means every office's (a security admin,
    ``admin.audit.view``, naming no office), else the one office whose entries only.

    An office's administrators (``org.members.manage`` there, through a membership that
    counts) read their office's entries only; any other office is Forbidden. With no office
    named, ``own_office`` (the API) takes the one office the person administers."""
    if has_platform_permission(settings, user, VIEW_AUDIT):
        return org_id or None
    if user is not None and not org_id and own_office:
        offices = administered_org_ids(settings, user, MANAGE_MEMBERS)
        if len(offices) > 1:
            raise DomainError("You administer several offices: name one (office).", field="office")
        org_id = next(iter(offices), None)
    if not org_id:
        raise Forbidden("The audit log of every office is for security administrators.")
    require_org_permission(settings, user, org_id, MANAGE_MEMBERS)
    return org_id


# --- OAuth scopes ---------------------------------------------------------------------------


def role_scopes(settings, role_name: str | None) -> frozenset[str]:
    """The API scopes a role grants (``[roles.*].scopes``)."""
    role = get_role(settings, role_name) if role_name else None
    return frozenset(role.scopes) if role else frozenset()


def org_scopes(settings, user_id: str, org_id: str | None) -> frozenset[str]:
    """Scopes the person's role in the office grants while the membership counts."""
    member = active_membership(user_id, org_id)
    return role_scopes(settings, member.role) if member else frozenset()


# --- second factor --------------------------------------------------------------------------


@dataclass(frozen=True)
class MfaPolicy:
    """Whether a person must use a second factor at sign-in, and which kinds satisfy it.

    ``methods`` are ``amr`` values (RFC 8176) any one of which satisfies the policy;
    ``phishing_resistant``: only a passkey or security key does (``PHISHING_RESISTANT_AMR``)."""

    required: bool
    methods: frozenset[str] = frozenset({"otp"}) | PHISHING_RESISTANT_AMR
    phishing_resistant: bool = False


def _role_names(user: User) -> Iterable[str]:
    yield from (m.role for m in user.memberships)
    if user.platform_role:
        yield user.platform_role


def mfa_policy(settings, user: User) -> MfaPolicy:
    """Mandatory when any role the person holds demands it (even in an office still under
    review: an office administrator's account is protected from the start), or when an
    approved office of theirs requires it of every member. The same two sources may ask
    for phishing-resistant MFA (``[roles.*].phishing_resistant``, an office's
    ``phishing_resistant_required``), which implies MFA."""
    granted = roles(settings)
    held = [granted[n] for n in _role_names(user) if n in granted]
    offices = [m.organization for m in counting_memberships(user)]
    phishing_resistant = any(r.phishing_resistant for r in held) or any(
        o.phishing_resistant_required for o in offices
    )
    if phishing_resistant:
        return MfaPolicy(required=True, methods=PHISHING_RESISTANT_AMR, phishing_resistant=True)
    by_role = any(r.mfa_required for r in held)
    by_office = any(o.mfa_required for o in offices)
    return MfaPolicy(required=by_role or by_office)


def mfa_required_for_role(settings, org: Organization, role_name: str) -> bool:
    """Whether joining ``org`` with ``role_name`` makes a second factor mandatory."""
    role = get_role(settings, role_name)
    return bool(org.mfa_required or (role and role.mfa_required))


# --- session limits -------------------------------------------------------------------------


def session_limits(settings, org: Organization | None) -> SessionLimits:
    """The office's own limits where it sets them, else the configured ones: at least a
    minute each, and the idle timeout never longer than the lifetime. (``SessionLimits`` is
    the sign-in area's type: it applies these limits, this module decides them.)"""
    idle = settings.session_idle_minutes
    absolute = settings.session_absolute_minutes
    if org is not None:
        idle = org.session_idle_minutes or idle
        absolute = org.session_absolute_minutes or absolute
    absolute = max(absolute, 1)
    return SessionLimits(max(min(idle, absolute), 1) * 60, absolute * 60)
