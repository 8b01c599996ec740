"""Per-IP rate limits on the shared state (fixed windows, atomic across instances).

Flask-Limiter's memory storage would count per process; counting on ``idp.state`` keeps one
count per address whether the state is Redis or the embedded SQL backend. Use
:func:`limit` on a view (it counts POST requests only) or call :func:`check` in one.
"""

from __future__ import annotations

import functools

from flask import current_app, render_template, request

from idp.state import shared_state

ACTIONS = (
    "login",
    "totp",
    "password_reset",
    "username_recovery",
    "register",
    "verification_resend",
)
MESSAGE = "Too many attempts from your network. Wait a few minutes and try again."


class TooManyRequests(Exception):
    def __init__(self, retry_after: int):
        super().__init__(MESSAGE)
        self.retry_after = retry_after


class IpLimits:
    def __init__(self, state, settings):
        self.state = state
        self.settings = settings

    def allowance(self, action: str) -> int:
        if action not in ACTIONS:
            raise ValueError(f"unknown rate-limited action {action!r}")
        return getattr(self.settings, f"auth_ip_limit_{action}")

    def hit(self, action: str, ip: str) -> None:
        """Count one request; raises TooManyRequests past the allowance."""
        limit = self.allowance(action)
        key = f"iplimit:{action}:{ip}"
        count = self.state.incr(key, ttl=self.settings.auth_ip_window_seconds)
        if count > limit:
            raise TooManyRequests(self.state.ttl(key) or self.settings.auth_ip_window_seconds)


def client_ip() -> str:
    return request.remote_addr or "unknown"


def check(action: str) -> None:
    """Count this request against the caller's IP for ``action`` (raises TooManyRequests)."""
    IpLimits(shared_state(), current_app.config["IDP_SETTINGS"]).hit(action, client_ip())


def too_many_response(exc: TooManyRequests):
    body = render_template("error.html", status=429, message=MESSAGE)
    return body, 429, {"Retry-After": str(exc.retry_after)}


def limit(action: str):
    """Decorator: at most ``auth_ip_limit_<action>`` POSTs per window from one IP, else 429.

    Actions: login, totp, password_reset, username_recovery, register.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown rate-limited action {action!r}")

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if request.method == "POST":
                try:
                    check(action)
                except TooManyRequests as exc:
                    current_app.logger.info("rate limit %s hit by %s", action, client_ip())
                    return too_many_response(exc)
            return view(*args, **kwargs)

        return wrapper

    return decorate
