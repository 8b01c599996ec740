"""Helpers for tests of the sign-in pages."""

from __future__ import annotations

import re

import pyotp

from idp.security import runtime

CSRF_INPUT = re.compile(rb'name="csrf_token" value="[^"]*"')


def strip_csrf(body: bytes) -> bytes:
    """Pages differ only by their per-session CSRF token; compare them without it."""
    return CSRF_INPUT.sub(b'name="csrf_token" value=""', body)


def enroll_totp(user, clock) -> tuple[pyotp.TOTP, list[str]]:
    """Give ``user`` an authenticator (inside an app context); returns it and the codes."""
    service = runtime.mfa()
    enrollment = service.begin_enrollment(user)
    totp = pyotp.TOTP(enrollment.secret)
    codes = service.confirm_enrollment(user, totp.at(clock.time()))
    clock.advance(30)
    return totp, codes


def post_login(client, username, password, ip="127.0.0.1", **extra):
    return client.post(
        "/login",
        data={"username": username, "password": password, **extra},
        environ_base={"REMOTE_ADDR": ip},
    )


SECRET_RE = re.compile(r'<code class="secret">([A-Z2-7]+)</code>')


def finish_forced_enrollment(client) -> tuple[pyotp.TOTP, bytes]:
    """Complete /mfa/enroll like a person (CSRF token included, real time); returns the
    authenticator and the recovery-codes page."""
    page = client.get("/mfa/enroll").data.decode()
    totp = pyotp.TOTP(SECRET_RE.search(page).group(1))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/mfa/enroll", data={"csrf_token": token, "code": totp.now()})
    assert response.status_code == 200, response.data
    return totp, response.data
