"""``/emergency``: a security admin signs in with password + sealed code; the page banner."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, redirect, render_template, request, url_for

from idp import services
from idp.emergency.service import EmergencyAccessFailed
from idp.errors import Unavailable
from idp.login import flow
from idp.login.assurance import is_emergency
from idp.login.current import current_session, sign_in
from idp.security.limits import limit

bp = Blueprint("emergency", __name__)


@bp.app_context_processor
def emergency_banner() -> dict:
    """``emergency_session_ends()`` for the page banner: when this browser's emergency
    session ends ("HH:MM UTC"), or None for any other page."""

    def emergency_session_ends() -> str | None:
        try:
            session = current_session()
        except RuntimeError:  # rendered outside a request (mail bodies)
            return None
        if session is None or not is_emergency(session.amr):
            return None
        return datetime.fromtimestamp(session.expires_at, UTC).strftime("%H:%M UTC")

    return {"emergency_session_ends": emergency_session_ends}


def _page(error: str | None = None, username: str = "", status: int = 200):
    minutes = services.settings().emergency_session_minutes
    page = render_template(
        "emergency/emergency.html", error=error, username=username, minutes=minutes
    )
    return page, status


@bp.route("/emergency", methods=["GET", "POST"])
@limit("login")
def emergency():
    if request.method == "GET":
        return _page()
    identifier = request.form.get("username", "")[:254]
    try:
        granted = services.emergency_access().use(
            identifier,
            request.form.get("password", "")[:1024],
            request.form.get("code", "")[:200],
            ip=request.remote_addr or "",
            user_agent=request.headers.get("User-Agent", ""),
            device_token=flow.device_token(),
        )
    except EmergencyAccessFailed as exc:
        return _page(exc.message, identifier.strip(), 401)
    except Unavailable as exc:
        return _page(exc.message, identifier.strip(), 503)
    flow.end()
    # No device cookie: an emergency sign-in does not make this browser a trusted one.
    sign_in(granted.user, granted.amr, max_lifetime=granted.lifetime_seconds)
    return redirect(url_for("dashboard.index"))
