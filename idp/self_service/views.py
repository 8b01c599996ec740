"""The account page (``/account``): sessions (end one or all), active office, applications
(revoke), password change. The blueprint keeps the page's name, ``account``."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from idp import services
from idp.login.current import (
    OTHER_SESSIONS_ENDED,
    current_user,
    keep_only_this_session,
    settings,
    sign_out_everywhere,
    store,
)
from idp.login.guards import fresh_auth_required, login_required, signed_in_session
from idp.orgs import access
from idp.self_service import service
from idp.web.forms import refused

bp = Blueprint("account", __name__)


@bp.get("/account")
@login_required
def index():
    user = current_user()
    session = signed_in_session()
    sessions = store()
    offices = {m.org_id: m.organization for m in access.counting_memberships(user)}
    return render_template(
        "self_service/index.html",
        user=user,
        session=session,
        sessions=service.list_sessions(sessions, user.id, session.sid),
        applications=service.list_applications(
            sessions.for_user(user.id), user.id, service.DIRECTORY
        ),
        offices=offices,
    )


@bp.post("/account/sessions/<public_id>/end")
@login_required
def end_session(public_id: str):
    user = current_user()
    current = signed_in_session()
    service.end_session(services.session_ender(), user.id, public_id, ip=request.remote_addr)
    if current.public_id == public_id:
        return redirect(url_for("login.login"))
    flash("The session has been signed out.", "success")
    return redirect(url_for("account.index"))


@bp.post("/account/sessions/end-all")
@login_required
def end_all_sessions():
    service.end_all_sessions(current_user().id, end_all=sign_out_everywhere, ip=request.remote_addr)
    return redirect(url_for("login.login"))


@bp.post("/account/applications/<client_id>/revoke")
@login_required
def revoke_application(client_id: str):
    service.revoke_application(
        store(), current_user().id, client_id, service.DIRECTORY, ip=request.remote_addr
    )
    flash("The application's access has been revoked.", "success")
    return redirect(url_for("account.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@fresh_auth_required
def change_password():
    """Change one's password: every other session ends, this browser stays signed in."""
    from idp.accounts.fields import FieldErrors
    from idp.accounts.password_change import change_password as change
    from idp.accounts.password_change import send_changed_notice
    from idp.mail import mailer
    from idp.services import clock

    user = current_user()
    if request.method == "GET":
        return render_template("self_service/password.html", errors={})
    try:
        change(user, request.form, settings=settings(), clock=clock(), ip=request.remote_addr)
    except FieldErrors as exc:
        return refused("self_service/password.html", exc)
    keep_only_this_session(user)
    send_changed_notice(mailer(), settings(), user)
    flash(f"Your password was changed. {OTHER_SESSIONS_ENDED}", "success")
    return redirect(url_for("account.index"))
