"""The views' guards over the SSO session of :mod:`idp.login.current`.

- ``login_required``; ``fresh_auth_required`` for sensitive actions (changing MFA, email or
  password, every admin action): without a password (and second factor, when the user has
  one) newer than ``session.step_up_minutes`` the browser goes to
  ``/login?reauth=1&next=<path>``, API callers get 401 ``insufficient_user_authentication``.
- ``signed_in_session()`` under ``login_required``; ``auth_is_fresh(session, user)``;
  ``reauth_url(next_path)``; ``safe_next(target)`` (no open redirect after sign-in).
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import abort, jsonify, redirect, request, url_for

from idp.login.assurance import has_second_factor
from idp.login.current import current_session, current_user, now, settings
from idp.login.sessions import SsoSession


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site relative paths are followed after sign-in (no open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == ("application/json")


def _return_path() -> str:
    """Where to come back after signing in: this page, or for a form post the page it is on."""
    if request.method in ("GET", "HEAD"):
        return safe_next(request.full_path.rstrip("?"))
    referrer = urlsplit(request.referrer or "")
    base = urlsplit(settings().public_base_url)
    if referrer.netloc in (request.host, base.netloc):
        path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
        return safe_next(path)
    return "/"


def signed_in_session() -> SsoSession:
    """The session of a view under :func:`login_required`, which guarantees there is one."""
    session = current_session()
    if session is None:
        abort(401)
    return session


def login_required(view):
    """Browsers are sent to sign in and brought back; API callers get 401 JSON."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_user() is None:
            if _wants_json():
                return jsonify(error="login_required", error_description="Sign in first."), 401
            return redirect(url_for("login.login", next=_return_path()))
        return view(*args, **kwargs)

    return wrapper


def auth_is_fresh(session: SsoSession | None, user) -> bool:
    """Password, and second factor when the user has one, within the step-up window."""
    from idp.mfa.store import has_mfa

    if session is None:
        return False
    window = settings().session_step_up_minutes * 60
    need_mfa = session.mfa_at is not None or has_second_factor(session.amr) or has_mfa(user)
    return session.is_fresh(now(), window, need_mfa=need_mfa)


def reauth_url(next_path: str) -> str:
    """The sign-in page in re-authentication mode, coming back to ``next_path``."""
    return url_for("login.login", reauth=1, next=safe_next(next_path))


def fresh_auth_required(view):
    """For sensitive actions: a recent password (+ TOTP when enrolled), else re-authenticate.

    Put it under the route decorator (it implies ``login_required``). After the user signs
    in again at ``/login?reauth=1``, the authentication area calls ``sign_in`` and the
    browser comes back to ``next``; a form post comes back to the page it was posted from.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        user = current_user()
        if user is None:
            return login_required(view)(*args, **kwargs)
        if not auth_is_fresh(current_session(), user):
            if _wants_json():
                body = jsonify(
                    error="insufficient_user_authentication",
                    error_description="Sign in again to confirm it is you.",
                    max_age=settings().session_step_up_minutes * 60,
                )
                return body, 401
            return redirect(reauth_url(_return_path()))
        return view(*args, **kwargs)

    return wrapper
