"""The organizations area's answer to the sign-in area's questions about offices
(``idp.login.offices.OfficeDirectory``), decided by ``idp.orgs.access``."""

from __future__ import annotations

from idp.accounts.models import User
from idp.login.offices import SessionLimits
from idp.orgs import access, store


class OrgOffices:
    """:class:`~idp.login.offices.OfficeDirectory` over the offices in the database."""

    def __init__(self, settings) -> None:
        self.settings = settings

    def limits(self, org_id: str | None) -> SessionLimits:
        org = store.get_org(org_id) if org_id else None
        return access.session_limits(self.settings, org)

    def counts(self, user: User, org_id: str | None) -> bool:
        return access.is_member(user, org_id)

    def default_office(self, user: User) -> str | None:
        return access.default_org_id(user)
