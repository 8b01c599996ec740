"""An office's invitations, for its administrators: one, many at once (a pasted list or a
CSV file), re-send, revoke (after a confirmation page). Each view parses the request,
calls one service (``invitations``, ``bulk``) and renders; every change needs a fresh
sign-in."""

from __future__ import annotations

from flask import render_template, request, url_for

from idp.accounts.fields import FieldErrors
from idp.errors import DomainError, Forbidden, NotFound
from idp.login.current import current_user, settings
from idp.login.guards import fresh_auth_required
from idp.mail import mailer
from idp.orgs import bulk, invitations, pages
from idp.orgs.blueprint import bp, clock, ip, run_as_office_admin
from idp.orgs.office_actions import INVITATION_ACTIONS
from idp.orgs.roles import least_privileged_org_role, org_roles
from idp.web.errors import status_of
from idp.web.forms import typed

# --- invitations --------------------------------------------------------------------------


@bp.post("/orgs/<org_id>/invitations")
@fresh_auth_required
def invite(org_id: str):
    try:
        invitation = invitations.invite(
            settings(),
            current_user(),
            org_id,
            request.form.get("email", ""),
            request.form.get("role", ""),
            mailer=mailer(),
            clock=clock(),
            ip=ip(),
        )
    except (Forbidden, NotFound):
        raise
    except FieldErrors as exc:
        return pages.members_page(
            org_id, status=400, invite_values=typed(("email", "role")), invite_errors=exc.errors
        )
    except DomainError as exc:
        return pages.members_page(
            org_id,
            status=status_of(exc),
            page_error=exc.message,
            invite_values=typed(("email", "role")),
        )
    return pages.members_page(org_id, notice=f"Invitation sent to {invitation.email}.")


def _bulk_page(org_id: str, *, status: int = 200, **extra):
    org = invitations.office_for_invitations(settings(), current_user(), org_id)
    context = {
        "org": org,
        "roles": org_roles(settings()),
        "default_role": least_privileged_org_role(settings()),
        "max_rows": settings().orgs_bulk_invitation_max_rows,
        "max_kb": bulk.MAX_BYTES // 1024,
        "text": "",
        "rows": None,
        "result": None,
        "page_error": None,
        **extra,
    }
    return render_template("orgs/bulk.html", **context), status


@bp.route("/orgs/<org_id>/invitations/bulk", methods=["GET", "POST"])
@fresh_auth_required
def bulk_invite(org_id: str):
    if request.method == "GET":
        return _bulk_page(org_id)
    text = request.form.get("rows", "")
    try:
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            text = bulk.text_from_upload(upload.read(bulk.MAX_BYTES + 1))
        result = bulk.invite_many(
            settings(), current_user(), org_id, text, mailer=mailer(), clock=clock(), ip=ip()
        )
    except (Forbidden, NotFound):
        raise
    except bulk.BulkInvalid as exc:
        return _bulk_page(org_id, status=400, text=text, rows=exc.rows, page_error=exc.message)
    except DomainError as exc:
        return _bulk_page(org_id, status=status_of(exc), text=text, page_error=exc.message)
    unsent = "\n".join(r.as_line() for r in result.not_sent)
    return _bulk_page(
        org_id, status=503 if result.failure else 200, rows=result.rows, result=result, text=unsent
    )


@bp.post("/orgs/<org_id>/invitations/<invitation_id>/resend")
@fresh_auth_required
def resend_invitation(org_id: str, invitation_id: str):
    return pages.run_action(
        org_id,
        None,
        lambda: run_as_office_admin(INVITATION_ACTIONS["resend"].run)(org_id, invitation_id),
        "The invitation was sent again with a new link.",
    )


@bp.route("/orgs/<org_id>/invitations/<invitation_id>/revoke", methods=["GET", "POST"])
@fresh_auth_required
def revoke_invitation(org_id: str, invitation_id: str):
    if request.method == "GET":
        inv = invitations.get_invitation(settings(), current_user(), org_id, invitation_id)
        return pages.confirm_page(
            f"Revoke the invitation to {inv.email}?",
            [
                "The emailed link stops working for good.",
                "To invite this address again later, send a new invitation.",
            ],
            "Revoke invitation",
            url_for(".members", org_id=org_id),
        )
    return pages.run_action(
        org_id,
        None,
        lambda: run_as_office_admin(INVITATION_ACTIONS["revoke"].run)(org_id, invitation_id),
        "The invitation was withdrawn.",
    )
