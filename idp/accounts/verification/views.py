"""Pages for emailed verification links and for changing one's email address."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from idp.accounts.fields import FieldErrors
from idp.accounts.mail_limits import MailLimits
from idp.accounts.verification import service
from idp.common.clock import Clock, app_clock
from idp.login.current import current_user, settings
from idp.login.guards import fresh_auth_required
from idp.mail import mailer
from idp.security.limits import limit
from idp.state import shared_state
from idp.web.forms import refused

bp = Blueprint("verification", __name__)


def clock() -> Clock:
    return app_clock()


@bp.route("/verify-email/<token>", methods=["GET", "POST"])
def verify(token: str):
    """GET only shows a button: mail scanners that follow links must not use them up."""
    if request.method == "GET":
        found = service.peek(token, clock=clock())
        return render_template(
            "accounts/verify_email.html",
            email=found.verification.email,
            purpose=found.verification.purpose,
            token=token,
        )
    verification = service.confirm(token, clock=clock(), ip=request.remote_addr)
    return render_template("accounts/verified.html", purpose=verification.purpose)


@bp.route("/verify-email/resend", methods=["GET", "POST"])
@limit("verification_resend")
def resend():
    if request.method == "GET":
        return render_template("accounts/resend.html", sent=False, values={})
    service.resend_registration(
        request.form.get("email", ""),
        settings=settings(),
        mailer=mailer(),
        clock=clock(),
        state=shared_state(),
        ip=request.remote_addr,
    )
    return render_template("accounts/resend.html", sent=True, values={})


@bp.route("/account/email", methods=["GET", "POST"])
@fresh_auth_required
def change_email():
    user = current_user()
    if request.method == "GET":
        return render_template("accounts/change_email.html", user=user, values={}, errors={})
    try:
        new_email = service.request_email_change(
            user,
            request.form.get("email", ""),
            request.form.get("password", ""),
            settings=settings(),
            mailer=mailer(),
            clock=clock(),
            ip=request.remote_addr,
            limits=MailLimits(shared_state(), settings()),
        )
    except FieldErrors as exc:
        return refused("accounts/change_email.html", exc, ("email",), user=user)
    return render_template("accounts/change_email_sent.html", user=user, email=new_email)
