"""The signed-in landing page: the active office, an office switcher and applications."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from idp.admin.home import may_use_console
from idp.dashboard.applications import applications_for
from idp.login.current import current_session, current_user, enter_office, settings
from idp.login.current import switch_office as sso_switch_office
from idp.login.guards import login_required, signed_in_session
from idp.orgs import access
from idp.orgs.offices import active_office, offices_of

bp = Blueprint("dashboard", __name__)


@bp.app_context_processor
def header_office() -> dict:
    """``active_office_name()`` for the page header: the office the session works for."""

    def active_office_name() -> str | None:
        try:
            session, user = current_session(), current_user()
        except RuntimeError:  # rendered outside a request (mail bodies)
            return None
        if session is None or user is None or not session.active_org_id:
            return None
        office = active_office(settings(), user, session.active_org_id)
        return office.organization.legal_name if office else None

    def signed_in() -> bool:
        """A session is running here (the page then carries the idle-timeout warning)."""
        try:
            return current_user() is not None
        except RuntimeError:
            return False

    return {"active_office_name": active_office_name, "signed_in": signed_in}


@bp.get("/")
@login_required
def index():
    user = current_user()
    session = signed_in_session()
    offices = offices_of(settings(), user)
    active = active_office(settings(), user, session.active_org_id)
    if active is None and any(not o.counts for o in offices):
        return render_template(
            "dashboard/pending.html",
            user=user,
            offices=offices,
            contact=settings().branding_registration_contact,
            enroll_url=None,
        )
    if active is None and not offices and may_use_console(settings(), user):
        # A platform role is not "a member of no office": security admins land on the console.
        return redirect(url_for("admin.index"))
    active_id = active.organization.id if active else None
    if session.active_org_id != active_id:
        # The office the session pointed at is gone (membership removed, office suspended):
        # the one it lands in applies its own limits.
        session = enter_office(active_id) or session
    permissions = access.org_permissions(settings(), user, active_id)
    return render_template(
        "dashboard/index.html",
        user=user,
        session=session,
        active=active,
        switchable=[o for o in offices if o.counts],
        applications=applications_for(user, active_id),
        can_manage=access.MANAGE_MEMBERS in permissions,
        can_admin=may_use_console(settings(), user),
    )


@bp.post("/switch-office")
@login_required
def switch_office():
    # A new session id with the new office: what the session may do has changed.
    session = sso_switch_office(request.form.get("org_id", ""))
    office = active_office(settings(), current_user(), session.active_org_id)
    if office is not None:
        flash(f"You are now working for {office.organization.legal_name}.", "success")
    return redirect(url_for("dashboard.index"))
