"""Pages for practices: registration and accepting an invitation. An office's members and
invitations are in ``member_views`` and ``invitation_views`` (same blueprint); security
admins decide on organizations in the console (``idp.admin.views.organizations``)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from idp.accounts.fields import FieldErrors
from idp.login.current import (
    current_user,
    enter_office,
    settings,
    sign_in,
)
from idp.mail import mailer
from idp.mfa.store import has_mfa
from idp.orgs import (
    audit_views,
    forms,
    invitation_views,
    invitations,
    member_views,
    registration,
    review_views,
)
from idp.orgs.blueprint import bp, clock, ip
from idp.orgs.roles import org_roles
from idp.security.limits import limit
from idp.web.forms import refused

# The office administrators' pages register on the same blueprint when imported.
__all__ = ["audit_views", "bp", "invitation_views", "member_views", "review_views"]

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
        return refused("orgs/register.html", exc, REGISTRATION_FIELDS)
    return render_template("orgs/register_sent.html", email=registered.email)


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
        return refused("orgs/invitation_new.html", exc, ("username", "display_name"), **page)
    sign_in(accepted.user, ["pwd"], active_org_id=accepted.membership.org_id)
    return _after_joining(accepted)
