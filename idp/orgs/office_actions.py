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

OfficeRun = Callable[[User, str, str, str | None], Any]


@dataclass(frozen=True)
class OfficeAction:
    #: One line for the API description and the CLI's help.
    summary: str
    run: OfficeRun
    #: The conflict statuses the API may answer besides the common ones.
    errors: tuple[int, ...] = (409,)


def wired(call: Callable[..., Any], **collaborators: Callable[[], Any]) -> OfficeRun:
    """``call(settings, actor, org_id, item_id, **collaborators, ip=ip)`` with the settings
    and the collaborators from the composition root (factories, built when it runs)."""

    def run(who: User, org_id: str, item_id: str, ip: str | None) -> Any:
        built = {name: make() for name, make in collaborators.items()}
        return call(services.settings(), who, org_id, item_id, **built, ip=ip)

    return run


MEMBER_ACCOUNT_ACTIONS: dict[str, OfficeAction] = {
    "reset-mfa": OfficeAction(
        "Reset the member's two-step verification (they are signed out everywhere, and enrol "
        "again at their next sign-in)",
        wired(member_account.reset_member_mfa, mfa=services.mfa, mailer=services.mailer),
    ),
    "password-reset": OfficeAction(
        "Mail the member a password-reset link",
        wired(member_account.send_password_reset, recovery=services.recovery),
    ),
}

INVITATION_ACTIONS: dict[str, OfficeAction] = {
    "resend": OfficeAction(
        "A new link and expiry for the invitation (the old link stops)",
        wired(invitations.resend_invitation, mailer=services.mailer, clock=services.clock),
        errors=(409, 410),
    ),
    "revoke": OfficeAction(
        "Withdraw the invitation",
        wired(invitations.revoke_invitation, clock=services.clock),
    ),
}
