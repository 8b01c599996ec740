"""Organizations: the review queue, one organization's details, and its status changes."""

from __future__ import annotations

from flask import render_template, request, url_for

from idp.accounts.fields import FieldErrors
from idp.admin import organizations as service
from idp.admin.views.common import actor, bp, clock, ip, settings
from idp.admin.views.confirm import Confirmation, confirm_page, confirmed
from idp.errors import NotFound
from idp.login.guards import fresh_auth_required, login_required
from idp.mail import mailer

WHAT_HAPPENS = {
    "approve": (
        "Approve {name}",
        [
            "The organization becomes approved: its members can work for it and get its scopes.",
            "Its office administrators are emailed.",
        ],
        "Approve",
        None,
    ),
    "reject": (
        "Reject the registration of {name}",
        [
            "The registration becomes rejected; nobody can work for this organization.",
            "Its office administrators are emailed the reason you give.",
        ],
        "Reject",
        "Reason for rejecting (sent to the office administrator)",
    ),
    "suspend": (
        "Suspend {name}",
        [
            "The office becomes suspended: its members keep their accounts but cannot work "
            "for it, and their tokens lose its scopes at once.",
            "Its members' sessions move out of this office on their next request.",
            "Its office administrators are emailed the reason you give.",
        ],
        "Suspend",
        "Reason for suspending (sent to the office administrators)",
    ),
    "reinstate": (
        "Reinstate {name}",
        [
            "The office becomes approved again; its members can work for it.",
            "Its office administrators are emailed.",
        ],
        "Reinstate",
        None,
    ),
}


@bp.get("/organizations")
@login_required
def organizations():
    return render_template(
        "admin/organizations.html", queue=service.review_queue(settings(), actor())
    )


@bp.get("/organizations/<org_id>")
@login_required
def organization(org_id: str):
    return render_template(
        "admin/organization.html", details=service.details(settings(), actor(), org_id)
    )


def _confirmation(org, decision: str, reason: str = "", error: str | None = None):
    title, consequences, button, reason_label = WHAT_HAPPENS[decision]
    return Confirmation(
        title=title.format(name=org.legal_name),
        consequences=consequences,
        button=button,
        back_url=url_for(".organization", org_id=org.id),
        reason_label=reason_label,
        reason=reason,
        error=error,
    )


@bp.route("/organizations/<org_id>/<decision>", methods=["GET", "POST"])
@fresh_auth_required
def decide(org_id: str, decision: str):
    if decision not in WHAT_HAPPENS:
        raise NotFound("No such action.")
    needs_confirmation = WHAT_HAPPENS[decision][3] is not None  # reject, suspend
    if request.method == "GET" or (needs_confirmation and not confirmed()):
        details = service.details(settings(), actor(), org_id)
        return confirm_page(_confirmation(details.reviewed.org, decision))
    reason = request.form.get("reason", "")
    try:
        org = service.change_status(
            settings(),
            actor(),
            org_id,
            decision,
            reason=reason,
            mailer=mailer(),
            clock=clock(),
            ip=ip(),
        )
    except FieldErrors as exc:
        details = service.details(settings(), actor(), org_id)
        message = exc.errors.get("reason", exc.message)
        return confirm_page(_confirmation(details.reviewed.org, decision, reason, message), 400)
    return render_template("admin/decided.html", org=org)
