"""The SSO session of the current request: cookie handling and helpers for views."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import current_app, g, jsonify, redirect, request, url_for

from idp.extensions import db
from idp.login.sessions import SessionStore, SsoSession
from idp.state import shared_state


def settings():
    return current_app.config["IDP_SETTINGS"]


def cookie_name() -> str:
    name = settings().session_cookie_name
    return f"__Host-{name}" if settings().is_https else name


def store() -> SessionStore:
    return SessionStore(shared_state())


def session_limits(org_id: str | None) -> tuple[int, int]:
    """(idle, absolute) in seconds: the organization's own limits, else the configured ones."""
    idle = settings().session_idle_minutes
    absolute = settings().session_absolute_minutes
    if org_id:
        from idp.orgs.models import Organization

        org = db.session.get(Organization, org_id)
        if org is not None:
            idle = org.session_idle_minutes or idle
            absolute = org.session_absolute_minutes or absolute
    return idle * 60, absolute * 60


def current_session() -> SsoSession | None:
    """The live SSO session of this request (cached per request), touching its idle timer."""
    if "sso_session" not in g:
        session = store().get(request.cookies.get(cookie_name()))
        if session is not None:
            store().touch(session)
        g.sso_session = session
    return g.sso_session


def current_user():
    session = current_session()
    if session is None:
        return None
    from idp.accounts.models import User

    user = db.session.get(User, session.user_id)
    if user is None or user.status != "active":
        return None
    return user


def default_org_id(user) -> str | None:
    memberships = sorted(user.memberships, key=lambda m: m.created_at)
    approved = [m for m in memberships if m.organization.status == "approved"]
    return approved[0].org_id if approved else None


def sign_in(user, amr: list[str], active_org_id: str | None = None) -> SsoSession:
    """Start a new SSO session (always a new id: no fixation) and end the previous one."""
    old = request.cookies.get(cookie_name())
    if old:
        store().delete(old)
    org_id = active_org_id or default_org_id(user)
    idle, absolute = session_limits(org_id)
    session = store().create(
        user.id,
        amr,
        idle_seconds=idle,
        absolute_seconds=absolute,
        active_org_id=org_id,
        ip=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", ""),
    )
    g.sso_session = session
    g.sso_set_cookie = session.sid
    return session


#: Called with each ended SsoSession (e.g. the OAuth area sends back-channel logout).
SIGN_OUT_HOOKS: list = []


def sign_out() -> SsoSession | None:
    sid = request.cookies.get(cookie_name())
    ended = store().delete(sid) if sid else None
    g.sso_session = None
    g.sso_set_cookie = ""
    if ended is not None:
        for hook in SIGN_OUT_HOOKS:
            hook(ended)
    return ended


def apply_session_cookie(response):
    """after_request: write or clear the SSO cookie when sign_in/sign_out asked for it."""
    if "sso_set_cookie" not in g:
        return response
    secure = settings().is_https
    if g.sso_set_cookie:
        response.set_cookie(
            cookie_name(),
            g.sso_set_cookie,
            httponly=True,
            secure=secure,
            samesite="Lax",
            path="/",
        )
    else:
        response.delete_cookie(
            cookie_name(), path="/", secure=secure, httponly=True, samesite="Lax"
        )
    return response


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site relative paths are followed after sign-in (no open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def login_required(view):
    """Browsers are sent to sign in and brought back; API callers get 401 JSON."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_user() is None:
            if request.path.startswith("/api/") or request.accept_mimetypes.best == (
                "application/json"
            ):
                return jsonify(error="login_required", error_description="Sign in first."), 401
            return redirect(url_for("login.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper
