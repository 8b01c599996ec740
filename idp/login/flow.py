"""The half-done sign-in (password accepted, second factor or enrollment pending).

Kept in Flask's signed session cookie (``idp_flow``, HttpOnly, SameSite=Lax), bound to a
short expiry (``auth_flow_minutes``); nothing in it is secret, and it grants nothing but the
next step for that one user.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import make_response, redirect, request, session, url_for

from idp import services
from idp.accounts.models import User
from idp.extensions import db
from idp.login.current import sign_in

FLOW_KEY = "auth_flow"

#: Where a finished sign-in goes on, by the path of its ``next``: a function answering
#: ``next`` in place of the redirect there, or returning None for the redirect. The OAuth
#: area registers its authorization endpoint (``idp.oauth.authorize.continue_after_sign_in``).
CONTINUATIONS: dict[str, Callable[[str], object | None]] = {}


def start(user: User, stage: str, next_url: str, trusted: bool) -> None:
    minutes = services.settings().auth_flow_minutes
    session[FLOW_KEY] = {
        "uid": user.id,
        "stage": stage,
        "next": next_url,
        "trusted": trusted,
        "exp": services.clock().time() + minutes * 60,
    }


def current(stage: str | None = None) -> tuple[dict, User] | None:
    data = session.get(FLOW_KEY)
    if not isinstance(data, dict) or data.get("exp", 0) < services.clock().time():
        session.pop(FLOW_KEY, None)
        return None
    if stage is not None and data.get("stage") != stage:
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or user.status != "active":
        session.pop(FLOW_KEY, None)
        return None
    return data, user


def second_factor_step(view):
    """A view of the second-factor step: called with the flow's data and its user, or the
    browser goes back to the sign-in form when there is no such step under way."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        found = current("mfa")
        if found is None:
            return redirect(url_for("login.login"))
        return view(*found, *args, **kwargs)

    return wrapper


def end() -> None:
    session.pop(FLOW_KEY, None)


def device_token() -> str | None:
    return request.cookies.get(services.device_cookie_name())


def _continue(next_url: str):
    go_on = CONTINUATIONS.get(urlsplit(next_url).path)
    answer = go_on(next_url) if go_on is not None else None
    return answer if answer is not None else redirect(next_url)


def finish(user: User, amr: list[str], next_url: str, response=None):
    """Record the sign-in, start a fresh SSO session, remember this browser as a device."""
    ip = request.remote_addr or ""
    services.sign_in_service().completed(user, amr, ip=ip)
    sign_in(user, amr)
    end()
    response = response if response is not None else _continue(next_url)
    response = make_response(response)
    settings = services.settings()
    response.set_cookie(
        services.device_cookie_name(),
        services.devices().issue(device_token(), user.id),
        max_age=settings.auth_device_cookie_days * 24 * 3600,
        httponly=True,
        secure=settings.is_https,
        samesite="Lax",
        path="/",
    )
    return response
