"""Pages for practices: registration, members and invitations (security admins decide on
organizations in the console, ``idp.admin.views.organizations``)."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from idp.accounts.fields import FieldErrors
from idp.common.clock import Clock
from idp.errors import DomainError, Forbidden, NotFound
from idp.login.current import (
    current_user,
    enter_office,
    fresh_auth_required,
    login_required,
    settings,
    sign_in,
)
from idp.mail import mailer
from idp.mfa.store import has_mfa
from idp.orgs import forms, invitations, registration
from idp.orgs import members as org_members
from idp.orgs.roles import org_roles
from idp.security.limits import limit
from idp.web.errors import status_of

bp = Blueprint("orgs", __name__)

REGISTRATION_FIELDS = (
    "legal_name",
    "tax_id",
    "npi",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "username",
    "display_name",
    "email",
)


def clock() -> Clock:
    """The app's clock (tests may install a FixedClock under ``extensions['idp_clock']``)."""
    return current_app.extensions.get("idp_clock") or Clock()


def ip() -> str | None:
    return request.remote_addr


def typed(names) -> dict[str, str]:
    """What the person typed, to show again on a refused form (never passwords)."""
    return {name: request.form.get(name, "") for name in names}


# --- registration ---------------------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@limit("register")
def register():
    if request.method == "GET":
        return render_template("orgs/register.html", values={}, errors={})
    try:
        registered = registration.register_practice(
            forms.practice_form(request.form),
            settings=settings(),
            mailer=mailer(),
            clock=clock(),
            ip=ip(),
        )
    except FieldErrors as exc:
        return (
            render_template(
                "orgs/register.html", values=typed(REGISTRATION_FIELDS), errors=exc.errors
            ),
            400,
        )
    return render_template("orgs/register_sent.html", email=registered.email)


# --- members and invitations of one office --------------------------------------------------


def _members_page(org_id: str, *, status: int = 200, **extra):
    user = current_user()
    members = org_members.members_of(org_id, user, settings=settings())
    sent = invitations.invitations_of(org_id, user, settings=settings())
    org = members[0].organization if members else None
    context = {
        "org": org,
        "members": members,
        "invitations": sent,
        "roles": org_roles(settings()),
        "now": clock().now(),
        "me": user,
        "invite_values": {},
        "invite_errors": {},
        "row_errors": {},
        "page_error": None,
        **extra,
    }
    return render_template("orgs/members.html", **context), status


@bp.get("/orgs/<org_id>/members")
@login_required
def members(org_id: str):
    return _members_page(org_id)


def _act(org_id: str, action, done_message: str, row_id: str | None = None):
    """Run one member/invitation action; refusals other than 403/404 re-render the page."""
    try:
        action()
    except FieldErrors as exc:
        key = row_id or "page"
        return _members_page(
            org_id, status=status_of(exc), row_errors={key: " ".join(exc.errors.values())}
        )
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        return _members_page(org_id, status=status_of(exc), page_error=exc.message)
    return _members_page(org_id, notice=done_message)


@bp.post("/orgs/<org_id>/members/<membership_id>/role")
@fresh_auth_required
def change_role(org_id: str, membership_id: str):
    role = request.form.get("role", "")
    return _act(
        org_id,
        lambda: org_members.change_role(
            org_id, membership_id, current_user(), role, settings=settings(), ip=ip()
        ),
        "The role was changed.",
        row_id=membership_id,
    )


@bp.post("/orgs/<org_id>/members/<membership_id>/remove")
@fresh_auth_required
def remove_member(org_id: str, membership_id: str):
    return _act(
        org_id,
        lambda: org_members.remove_member(
            org_id, membership_id, current_user(), settings=settings(), ip=ip()
        ),
        "The member was removed from the office.",
    )


@bp.post("/orgs/<org_id>/invitations")
@fresh_auth_required
def invite(org_id: str):
    try:
        invitation = invitations.invite(
            org_id,
            current_user(),
            request.form.get("email", ""),
            request.form.get("role", ""),
            settings=settings(),
            mailer=mailer(),
            clock=clock(),
            ip=ip(),
        )
    except FieldErrors as exc:
        return _members_page(
            org_id,
            status=400,
            invite_values=typed(("email", "role")),
            invite_errors=exc.errors,
        )
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        return _members_page(
            org_id,
            status=status_of(exc),
            page_error=exc.message,
            invite_values=typed(("email", "role")),
        )
    return _members_page(org_id, notice=f"Invitation sent to {invitation.email}.")


@bp.post("/orgs/<org_id>/invitations/<invitation_id>/resend")
@fresh_auth_required
def resend_invitation(org_id: str, invitation_id: str):
    return _act(
        org_id,
        lambda: invitations.resend_invitation(
            org_id,
            invitation_id,
            current_user(),
            settings=settings(),
            mailer=mailer(),
            clock=clock(),
            ip=ip(),
        ),
        "The invitation was sent again with a new link.",
    )


@bp.post("/orgs/<org_id>/invitations/<invitation_id>/revoke")
@fresh_auth_required
def revoke_invitation(org_id: str, invitation_id: str):
    return _act(
        org_id,
        lambda: invitations.revoke_invitation(
            org_id, invitation_id, current_user(), settings=settings(), clock=clock(), ip=ip()
        ),
        "The invitation was withdrawn.",
    )


# --- accepting an invitation ----------------------------------------------------------------


def _after_joining(accepted: invitations.Accepted):
    """Send the person on to MFA enrolment when their new role (or the office) demands it
    and they have no second factor yet; else to the dashboard."""
    if accepted.mfa_required and not has_mfa(accepted.user):
        return redirect(url_for("mfa.enroll", next="/"))
    return redirect(url_for("dashboard.index"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = invitations.open_invitation(token, clock=clock())
    account = invitations.account_for_invitation(invitation)
    user = current_user()
    role = org_roles(settings()).get(invitation.role)
    page = {"invitation": invitation, "role": role, "token": token}

    if account is not None:
        if user is None:
            login_url = url_for("login.login", next=url_for(".accept_invitation", token=token))
            return render_template("orgs/invitation_signin.html", login_url=login_url, **page)
        if request.method == "GET":
            return render_template(
                "orgs/invitation_join.html", wrong_account=user.id != account.id, **page
            ), (200 if user.id == account.id else 403)
        accepted = invitations.accept_as_existing_user(
            token, user, settings=settings(), clock=clock(), ip=ip()
        )
        enter_office(accepted.membership.org_id)
        return _after_joining(accepted)

    if request.method == "GET":
        return render_template("orgs/invitation_new.html", values={}, errors={}, **page)
    try:
        accepted = invitations.accept_with_new_account(
            token,
            forms.new_account_form(request.form, email=invitation.email),
            settings=settings(),
            clock=clock(),
            ip=ip(),
        )
    except FieldErrors as exc:
        return (
            render_template(
                "orgs/invitation_new.html",
                values=typed(("username", "display_name")),
                errors=exc.errors,
                **page,
            ),
            400,
        )
    sign_in(accepted.user, ["pwd"], active_org_id=accepted.membership.org_id)
    return _after_joining(accepted)
