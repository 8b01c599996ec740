"""The actions an office administrator takes on one of the office's records (a member's
account, an invitation), each as (actor, org id, record id, ip) -> the record, with its
collaborators from the composition root: the one table the office pages, the API
(`/api/v1/offices/<id>/members/<id>/<action>`, `.../invitations/<id>/<action>`) and
`idp orgs` run, so each caller performs an action the same way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from idp import services
from idp.accounts.models import User
from idp.orgs import invitations, member_account


@dataclass(frozen=True)
class OfficeAction:
    #: One line for the API description and the CLI's help.
    summary: str
    run: Callable[[User, str, str, str | None], Any]
    #: The conflict statuses the API may answer besides the common ones.
    errors: tuple[int, ...] = (409,)


MEMBER_ACCOUNT_ACTIONS: dict[str, OfficeAction] = {
    "reset-mfa": OfficeAction(
        "Reset the member's two-step verification (they enrol again at their next sign-in)",
        lambda who, org_id, membership_id, ip: member_account.reset_member_mfa(
            services.settings(),
            who,
            org_id,
            membership_id,
            mfa=services.mfa(),
            mailer=services.mailer(),
            ip=ip,
        ),
    ),
    "password-reset": OfficeAction(
        "Mail the member a password-reset link",
        lambda who, org_id, membership_id, ip: member_account.send_password_reset(
            services.settings(), who, org_id, membership_id, recovery=services.recovery(), ip=ip
        ),
    ),
}

INVITATION_ACTIONS: dict[str, OfficeAction] = {
    "resend": OfficeAction(
        "A new link and expiry for the invitation (the old link stops)",
        lambda who, org_id, invitation_id, ip: invitations.resend_invitation(
            services.settings(),
            who,
            org_id,
            invitation_id,
            mailer=services.mailer(),
            clock=services.clock(),
            ip=ip,
        ),
        errors=(409, 410),
    ),
    "revoke": OfficeAction(
        "Withdraw the invitation",
        lambda who, org_id, invitation_id, ip: invitations.revoke_invitation(
            services.settings(), who, org_id, invitation_id, clock=services.clock(), ip=ip
        ),
    ),
}
