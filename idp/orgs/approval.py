"""An organization's life on the portal, decided by security admins: approve or reject a
registration, suspend or reinstate an office; who, when and why are recorded, and the
office's administrators are told (``templates/email/org_<to status>/``)."""

from __future__ import annotations

from dataclasses import dataclass

from idp.accounts import fields
from idp.accounts.fields import FieldErrors
from idp.accounts.models import User
from idp.audit import record
from idp.common.clock import Clock
from idp.errors import Conflict, NotFound
from idp.extensions import db
from idp.mail import send_to
from idp.orgs import access, store
from idp.orgs.effects import membership_changed, send_or_undo
from idp.orgs.models import Organization


@dataclass(frozen=True)
class Transition:
    from_status: str
    to_status: str
    reason_required: bool
    event: str
    #: The message sent to the office's administrators (``templates/email/<message>/``).
    message: str


TRANSITIONS = {
    "approve": Transition("pending", "approved", False, "org.approved", "org_approved"),
    "reject": Transition("pending", "rejected", True, "org.rejected", "org_rejected"),
    "suspend": Transition("approved", "suspended", True, "org.suspended", "org_suspended"),
    "reinstate": Transition("suspended", "approved", False, "org.reinstated", "org_reinstated"),
}


def transition(
    org_id: str,
    actor: User,
    action: str,
    *,
    reason: str = "",
    settings,
    mailer,
    clock: Clock,
    ip: str | None = None,
) -> Organization:
    """Move an organization along its life (approve or reject a registration, suspend or
    reinstate an office), recording who, when and why, and email its administrators."""
    access.require_platform_permission(settings, actor, access.APPROVE_ORGS)
    step = TRANSITIONS.get(action)
    if step is None:
        raise NotFound("No such action.")
    errors: dict[str, str] = {}
    reason = fields.check_text(
        reason, errors, "reason", "reason", max_length=2000, required=step.reason_required
    )
    org = store.get_org(org_id)
    if org is None:
        raise NotFound("No such organization.")
    if org.status != step.from_status:
        raise Conflict(
            f"This organization is {org.status}; this action needs a {step.from_status} one."
        )
    if errors:
        raise FieldErrors(errors)
    previous = org.status
    org.status = step.to_status
    org.decided_by_id = actor.id
    org.decided_at = clock.now()
    org.decision_reason = reason or None
    if step.to_status == "approved":
        # Approved or reinstated: its members' access review starts again from today.
        for member in org.memberships:
            member.access_confirmed_at, member.access_confirmed_by_id = org.decided_at, None
            member.review_reminded_at = None
    record(
        step.event,
        actor_id=actor.id,
        org_id=org.id,
        ip=ip,
        reason=reason,
        previous_status=previous,
        before={"status": previous},
        after={"status": org.status},
    )
    db.session.flush()
    admins = [
        m.user
        for m in access.administrators(settings, org.id, org.decided_at, any_office_status=True)
    ]
    values = {"org": org.legal_name, "reason": reason, "sign_in_url": f"{settings.issuer}/login"}

    def send_all() -> None:
        for admin in admins:
            send_to(mailer, admin, step.message, **values)

    send_or_undo(send_all)
    db.session.commit()
    if step.to_status != "approved":
        for member in org.memberships:
            membership_changed(member.user_id, org.id)
    return org


def organizations_for_review(settings, actor: User) -> dict[str, list[Organization]]:
    """Pending registrations, and the approved and suspended offices (security admins)."""
    access.require_platform_permission(settings, actor, access.APPROVE_ORGS)
    return {
        status: store.orgs_with_status(status) for status in ("pending", "approved", "suspended")
    }
