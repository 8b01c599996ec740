"""Authenticator enrollment, recovery codes, and MFA resets by administrators."""

from __future__ import annotations

import re

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from idp import services
from idp.accounts.models import User
from idp.demo.seed import EXTRA_SEEDERS
from idp.errors import DomainError, NotFound
from idp.extensions import db
from idp.login import flow
from idp.login.current import (
    OTHER_SESSIONS_ENDED,
    current_session,
    current_user,
    keep_only_this_session,
)
from idp.login.guards import (
    auth_is_fresh,
    fresh_auth_required,
    login_required,
    reauth_url,
    safe_next,
)
from idp.mfa.demo import seed_demo_mfa
from idp.security.limits import limit

USER_ID = re.compile(r"[0-9a-f-]{36}")
#: The shape of a recovery code as shown (``idp.mfa.service``): nothing else is echoed back.
SHOWN_CODE = re.compile(r"[a-z2-9]{5}-[a-z2-9]{5}")

bp = Blueprint("mfa", __name__, url_prefix="/mfa")

if seed_demo_mfa not in EXTRA_SEEDERS:
    EXTRA_SEEDERS.append(seed_demo_mfa)


def enrolling_user():
    """The signed-in user, or the one whose sign-in waits for enrollment."""
    found = flow.current("enroll")
    if found is not None:
        return found[1], found[0]
    return current_user(), None


@bp.route("/enroll", methods=["GET", "POST"])
@limit("totp")
def enroll():
    user, pending = enrolling_user()
    next_url = safe_next(pending["next"] if pending else request.values.get("next"))
    if user is None:
        return redirect(url_for("login.login", next=url_for("mfa.enroll", next=next_url)))
    if pending is None and not auth_is_fresh(current_session(), user):
        # Changing the second factor of a running session needs a recent sign-in.
        return redirect(reauth_url(url_for("mfa.enroll", next=next_url)))
    service = services.mfa()
    enrollment = service.begin_enrollment(user)
    if request.method == "GET":
        return render_template(
            "mfa/enroll.html",
            enrollment=enrollment,
            next=next_url,
            error=None,
            forced=pending is not None,
        )
    try:
        codes = service.confirm_enrollment(
            user, request.form.get("code", "")[:32], ip=request.remote_addr
        )
    except DomainError as exc:
        page = render_template(
            "mfa/enroll.html",
            enrollment=enrollment,
            next=next_url,
            error=exc.message,
            forced=pending is not None,
        )
        return page, 400
    if pending is not None:
        # The enrollment a sign-in waits for: the session starts now, none ends.
        page = render_template("mfa/recovery_codes.html", codes=codes, next=next_url)
        return flow.finish(user, ["pwd", "otp"], next_url, response=page)
    keep_only_this_session(user)
    flash(f"Your authenticator app was set up. {OTHER_SESSIONS_ENDED}", "success")
    return render_template("mfa/recovery_codes.html", codes=codes, next=next_url)


@bp.get("")
@login_required
def manage():
    user = current_user()
    service = services.mfa()
    return render_template(
        "mfa/manage.html",
        enrolled=service.has_totp(user),
        has_mfa=service.has_mfa(user),
        remaining=service.remaining_recovery_codes(user),
        passkeys=services.passkeys().credentials(user),
    )


@bp.post("/recovery-codes")
@fresh_auth_required
def regenerate():
    user = current_user()
    codes = services.mfa().regenerate_recovery_codes(user, ip=request.remote_addr)
    keep_only_this_session(user)
    flash(f"New recovery codes were made. {OTHER_SESSIONS_ENDED}", "success")
    return render_template("mfa/recovery_codes.html", codes=codes, next=url_for("mfa.manage"))


@bp.post("/recovery-codes.txt")
@fresh_auth_required
def download_codes():
    """The codes on the page just shown, as a text file to keep. Nothing is looked up: the
    page posts back what it shows (the server keeps only hashes), under the same fresh
    sign-in as showing them; anything but well-formed codes is dropped."""
    codes = [c for c in request.form.getlist("code")[:20] if SHOWN_CODE.fullmatch(c)]
    settings = services.settings()
    lines = [
        f"{settings.branding_organization_name} recovery codes for {current_user().username}",
        "Each code works once, in place of a code from your authenticator app.",
        "",
        *codes,
        "",
    ]
    return Response(
        "\n".join(lines),
        mimetype="text/plain",
        headers={
            "Content-Disposition": 'attachment; filename="recovery-codes.txt"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/reset/<user_id>")
@fresh_auth_required
def reset(user_id: str):
    """An office administrator (of one of the user's offices) or a security admin."""
    target = db.session.get(User, user_id) if USER_ID.fullmatch(user_id) else None
    if target is None:
        raise NotFound("No such person.")
    services.mfa().reset(current_user(), target, mailer=services.mailer(), ip=request.remote_addr)
    flash(f"Two-step verification of {target.username} was reset; they were told by email.")
    return redirect(safe_next(request.form.get("next"), url_for("mfa.manage")))
