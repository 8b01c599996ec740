"""The offices of the signed-in person, for the dashboard and the office switcher.

Moving a session between offices (and under which limits) is the sign-in area's
(``idp.login.offices``); whether a membership counts is ``idp.orgs.access``'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from idp.accounts.models import User
from idp.orgs import access, store
from idp.orgs.models import Membership, Organization
from idp.orgs.roles import Role, get_role


@dataclass
class Office:
    organization: Organization
    membership: Membership
    role: Role | None

    @property
    def role_label(self) -> str:
        return self.role.label if self.role else self.membership.role

    @property
    def counts(self) -> bool:
        return access.counts(self.membership)


def offices_of(settings, user: User) -> list[Office]:
    """Every membership of the user, in the order they were created."""
    return [
        Office(m.organization, m, get_role(settings, m.role))
        for m in store.memberships_of_user(user.id)
    ]


def active_office(settings, user: User, active_org_id: str | None) -> Office | None:
    """The session's office while the person's membership there counts; else their first
    office that counts (a removed member lands somewhere they still belong)."""
    counting = [o for o in offices_of(settings, user) if o.counts]
    for office in counting:
        if office.organization.id == active_org_id:
            return office
    return counting[0] if counting else None
