"""Pages for an office's administrators: its members and invitations.

Each view parses the request, calls one service (``members``, ``member_account``,
``invitations``, ``bulk``), and renders. Every change needs a fresh sign-in; the destructive
ones (deactivate, remove, reset MFA, revoke an invitation, an end date in the past) show a
confirmation page first (GET), then do it (POST).
"""

from __future__ import annotations

from flask import render_template, request, url_for

from idp.accounts.fields import FieldErrors
from idp.errors import DomainError, Forbidden, NotFound
from idp.login.current import current_user, fresh_auth_required, login_required, settings
from idp.mail import mailer
from idp.orgs import bulk, invitations, member_account, members
from idp.orgs.blueprint import bp, clock, ip, typed
from idp.orgs.roles import least_privileged_org_role, org_roles
from idp.security.runtime import mfa, recovery
from idp.web.errors import status_of


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


def _members_page(org_id: str, *, status: int = 200, **extra):
    user = current_user()
    page = members.list_members(settings(), user, org_id, page=_page_number(), now=clock().now())
    context = {
        "org": page.org,
        "listing": page,
        "invitations": invitations.invitations_of(settings(), user, org_id),
        "roles": org_roles(settings()),
        "now": clock().now(),
        "me": user,
        "invite_values": {},
        "invite_errors": {},
        "page_error": None,
        "notice": None,
        **extra,
    }
    return render_template("orgs/members.html", **context), status


def _member_page(org_id: str, membership_id: str, *, status: int = 200, **extra):
    row = members.member_details(
        settings(), current_user(), org_id, membership_id, now=clock().now()
    )
    context = {
        "org": row.membership.organization,
        "row": row,
        "roles": org_roles(settings()),
        "today": members.today_utc(clock().now()),
        "me": current_user(),
        "errors": {},
        "values": {},
        "page_error": None,
        "notice": None,
        **extra,
    }
    return render_template("orgs/member.html", **context), status


def _act(org_id: str, membership_id: str | None, action, done: str):
    """Run one action; on success the members list says ``done``. A refusal other than
    403/404 shows the page the action came from with the reason."""
    try:
        action()
    except (Forbidden, NotFound):
        raise
    except FieldErrors as exc:
        if membership_id:
            return _member_page(org_id, membership_id, status=400, errors=exc.errors)
        return _members_page(org_id, status=400, page_error=exc.message)
    except DomainError as exc:
        if membership_id:
            return _member_page(
                org_id, membership_id, status=status_of(exc), page_error=exc.message
            )
        return _members_page(org_id, status=status_of(exc), page_error=exc.message)
    return _members_page(org_id, notice=done)


def _confirm(title: str, consequences: list[str], button: str, cancel: str, **hidden):
    return render_template(
        "orgs/confirm.html",
        title=title,
        consequences=consequences,
        button=button,
        action=request.path,
        cancel=cancel,
        hidden=hidden,
    )


def _name(user) -> str:
    return user.display_name or user.username


# --- members ------------------------------------------------------------------------------


@bp.get("/orgs/<org_id>/members", endpoint="members")
@login_required
def members_list(org_id: str):
    return _members_page(org_id)


@bp.get("/orgs/<org_id>/members/<membership_id>")
@login_required
def member(org_id: str, membership_id: str):
    return _member_page(org_id, membership_id)


@bp.post("/orgs/<org_id>/members/<membership_id>/role")
@fresh_auth_required
def change_role(org_id: str, membership_id: str):
    role = request.form.get("role", "")
    return _act(
        org_id,
        membership_id,
        lambda: members.change_role(
            settings(), current_user(), org_id, membership_id, role, ip=ip()
        ),
        "The role was changed.",
    )


@bp.route("/orgs/<org_id>/members/<membership_id>/deactivate", methods=["GET", "POST"])
@fresh_auth_required
def deactivate_member(org_id: str, membership_id: str):
    if request.method == "GET":
        m = members.get_member(settings(), current_user(), org_id, membership_id)
        return _confirm(
            f"Deactivate {_name(m.user)} in {m.organization.legal_name}?",
            [
                "They can no longer work for this office: its applications and the "
                "gateway refuse them from their next request.",
                "Their sessions in this office move to another office of theirs (or none); "
                "their refresh tokens for this office stop working.",
                "Their account and their other offices are not affected. You can "
                "reactivate them later.",
            ],
            "Deactivate",
            url_for(".member", org_id=org_id, membership_id=membership_id),
        )
    return _act(
        org_id,
        membership_id,
        lambda: members.deactivate_member(
            settings(), current_user(), org_id, membership_id, ip=ip()
        ),
        "The member was deactivated in this office.",
    )


@bp.post("/orgs/<org_id>/members/<membership_id>/reactivate")
@fresh_auth_required
def reactivate_member(org_id: str, membership_id: str):
    return _act(
        org_id,
        membership_id,
        lambda: members.reactivate_member(
            settings(), current_user(), org_id, membership_id, ip=ip()
        ),
        "The member was reactivated.",
    )


@bp.post("/orgs/<org_id>/members/<membership_id>/access-end")
@fresh_auth_required
def set_access_end(org_id: str, membership_id: str):
    text = request.form.get("access_ends_on", "")
    if request.form.get("clear"):
        text = ""
    confirmed = request.form.get("confirm") == "yes"
    try:
        ends_on = members.parse_end_date(text)
        members.set_access_end(
            settings(),
            current_user(),
            org_id,
            membership_id,
            ends_on,
            clock=clock(),
            confirm=confirmed,
            ip=ip(),
        )
    except members.ConfirmationRequired:
        m = members.get_member(settings(), current_user(), org_id, membership_id)
        return _confirm(
            f"End the access of {_name(m.user)} now?",
            [
                f"{text} has passed, so their access to {m.organization.legal_name} ends "
                "at once, as if deactivated; this is recorded as the end of their access.",
                "Their account and their other offices are not affected.",
            ],
            "End access now",
            url_for(".member", org_id=org_id, membership_id=membership_id),
            access_ends_on=text,
            confirm="yes",
        )
    except (Forbidden, NotFound):
        raise
    except FieldErrors as exc:
        return _member_page(
            org_id, membership_id, status=400, errors=exc.errors, values=typed(["access_ends_on"])
        )
    except DomainError as exc:
        return _member_page(org_id, membership_id, status=status_of(exc), page_error=exc.message)
    done = f"Access ends at the end of {text} (UTC)." if text else "The end date was removed."
    return _members_page(org_id, notice=done)


@bp.route("/orgs/<org_id>/members/<membership_id>/reset-mfa", methods=["GET", "POST"])
@fresh_auth_required
def reset_member_mfa(org_id: str, membership_id: str):
    if request.method == "GET":
        m = members.get_member(settings(), current_user(), org_id, membership_id)
        return _confirm(
            f"Reset the two-step verification of {_name(m.user)}?",
            [
                "Their authenticator app and recovery codes stop working now.",
                "At their next sign-in, with their password, they set up a new "
                "authenticator. They are told by email.",
                "Do this only once you have confirmed who is asking (in person or by a "
                "call back to a known number).",
            ],
            "Reset two-step verification",
            url_for(".member", org_id=org_id, membership_id=membership_id),
        )
    return _act(
        org_id,
        membership_id,
        lambda: member_account.reset_member_mfa(
            settings(),
            current_user(),
            org_id,
            membership_id,
            mfa=mfa(),
            mailer=mailer(),
            ip=ip(),
        ),
        "Two-step verification was reset; they set it up again at their next sign-in.",
    )


@bp.post("/orgs/<org_id>/members/<membership_id>/password-reset")
@fresh_auth_required
def send_password_reset(org_id: str, membership_id: str):
    return _act(
        org_id,
        membership_id,
        lambda: member_account.send_password_reset(
            settings(), current_user(), org_id, membership_id, recovery=recovery(), ip=ip()
        ),
        "A password-reset link was emailed to the member.",
    )


@bp.route("/orgs/<org_id>/members/<membership_id>/remove", methods=["GET", "POST"])
@fresh_auth_required
def remove_member(org_id: str, membership_id: str):
    if request.method == "GET":
        m = members.get_member(settings(), current_user(), org_id, membership_id)
        return _confirm(
            f"Remove {_name(m.user)} from {m.organization.legal_name}?",
            [
                "Their affiliation with this office ends: its applications refuse them and "
                "their refresh tokens for it stop working.",
                "They keep their account and any other offices they belong to.",
                "To give them access again, send a new invitation.",
            ],
            "Remove from this office",
            url_for(".member", org_id=org_id, membership_id=membership_id),
        )
    return _act(
        org_id,
        membership_id,
        lambda: members.remove_member(settings(), current_user(), org_id, membership_id, ip=ip()),
        "The member was removed from the office.",
    )


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
        return _members_page(
            org_id, status=400, invite_values=typed(("email", "role")), invite_errors=exc.errors
        )
    except DomainError as exc:
        return _members_page(
            org_id,
            status=status_of(exc),
            page_error=exc.message,
            invite_values=typed(("email", "role")),
        )
    return _members_page(org_id, notice=f"Invitation sent to {invitation.email}.")


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
    return _act(
        org_id,
        None,
        lambda: invitations.resend_invitation(
            settings(),
            current_user(),
            org_id,
            invitation_id,
            mailer=mailer(),
            clock=clock(),
            ip=ip(),
        ),
        "The invitation was sent again with a new link.",
    )


@bp.route("/orgs/<org_id>/invitations/<invitation_id>/revoke", methods=["GET", "POST"])
@fresh_auth_required
def revoke_invitation(org_id: str, invitation_id: str):
    if request.method == "GET":
        inv = invitations.get_invitation(settings(), current_user(), org_id, invitation_id)
        return _confirm(
            f"Revoke the invitation to {inv.email}?",
            [
                "The emailed link stops working for good.",
                "To invite this address again later, send a new invitation.",
            ],
            "Revoke invitation",
            url_for(".members", org_id=org_id),
        )
    return _act(
        org_id,
        None,
        lambda: invitations.revoke_invitation(
            settings(), current_user(), org_id, invitation_id, clock=clock(), ip=ip()
        ),
        "The invitation was withdrawn.",
    )
