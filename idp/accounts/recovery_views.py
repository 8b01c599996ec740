"""Forgot password, forgot username, and the emailed reset and unlock links."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from idp import services
from idp.errors import DomainError
from idp.security.limits import limit

bp = Blueprint("recovery", __name__, url_prefix="/login")

SENT_RESET = (
    "If an account matches, we sent a link to choose a new password to its email address. "
    "It works once, within {minutes} minutes."
)
SENT_USERNAME = "If an account uses that address, we sent its username there."


@bp.route("/forgot-password", methods=["GET", "POST"])
@limit("password_reset")
def forgot_password():
    if request.method == "GET":
        return render_template("recovery/forgot_password.html", sent=None)
    services.recovery().forgot_password(
        request.form.get("identifier", "")[:254], ip=request.remote_addr
    )
    minutes = services.settings().auth_reset_token_minutes
    return render_template("recovery/forgot_password.html", sent=SENT_RESET.format(minutes=minutes))


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limit("password_reset")
def reset_password(token: str):
    service = services.recovery()
    if request.method == "GET":
        if service.reset_user(token) is None:
            return render_template("recovery/link_invalid.html"), 404
        return render_template("recovery/reset_password.html", error=None)
    try:
        service.reset_password(
            token,
            request.form.get("password", "")[:1024],
            request.form.get("confirm", "")[:1024],
            ip=request.remote_addr,
        )
    except DomainError as exc:
        if service.reset_user(token) is None:
            return render_template("recovery/link_invalid.html"), 404
        return render_template("recovery/reset_password.html", error=exc.message), 400
    flash("Your password was changed. Sign in with the new one.")
    return redirect(url_for("login.login"))


@bp.route("/forgot-username", methods=["GET", "POST"])
@limit("username_recovery")
def forgot_username():
    if request.method == "GET":
        return render_template("recovery/forgot_username.html", sent=None)
    services.recovery().forgot_username(request.form.get("email", "")[:254], ip=request.remote_addr)
    return render_template("recovery/forgot_username.html", sent=SENT_USERNAME)


@bp.route("/unlock/<token>", methods=["GET", "POST"])
def unlock(token: str):
    """GET asks for a click (mail scanners follow links); POST spends the token."""
    if request.method == "GET":
        return render_template("recovery/unlock.html")
    services.account_locks().unlock_with_token(token, ip=request.remote_addr)
    flash("Your account is unlocked. Sign in again; choose a new password if in doubt.")
    return redirect(url_for("login.login"))
