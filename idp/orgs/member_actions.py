"""The actions on a member's account that an office administrator may take (reset their
two-step verification, mail them a password-reset link), each as (actor, org id, membership
id, ip) -> the member's account, with its collaborators from the composition root: the one
table the office pages, the API (`/api/v1/offices/<id>/members/<id>/<action>`) and
`idp orgs` run, so each caller performs an action the same way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from idp import services
from idp.accounts.models import User
from idp.orgs import member_account


@dataclass(frozen=True)
class MemberAccountAction:
    #: One line for the API description and the CLI's help.
    summary: str
    run: Callable[[User, str, str, str | None], User]


MEMBER_ACCOUNT_ACTIONS: dict[str, MemberAccountAction] = {
    "reset-mfa": MemberAccountAction(
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
    "password-reset": MemberAccountAction(
        "Mail the member a password-reset link",
        lambda who, org_id, membership_id, ip: member_account.send_password_reset(
            services.settings(), who, org_id, membership_id, recovery=services.recovery(), ip=ip
        ),
    ),
}
