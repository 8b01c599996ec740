"""Helpers for tests of the sign-in pages."""

from __future__ import annotations

import re

import pyotp

from idp import services

CSRF_DATA = re.compile(rb'data-csrf="[^"]*"')
CSRF_INPUT = re.compile(rb'name="csrf_token" value="[^"]*"')


def strip_csrf(body: bytes) -> bytes:
    """Pages differ only by their CSRF token (in the forms and the idle warning's
    ``data-csrf``; it carries a timestamp, so it changes every second); compare them
    without it."""
    return CSRF_DATA.sub(b'data-csrf=""', CSRF_INPUT.sub(b'name="csrf_token" value=""', body))


def enroll_totp(user, clock) -> tuple[pyotp.TOTP, list[str]]:
    """Give ``user`` an authenticator (inside an app context); returns it and the codes."""
    service = services.mfa()
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


SECRET_RE = re.compile(rb'<code class="secret">([A-Z2-7]+)</code>')


def enroll_via_pages(client, post_form) -> pyotp.TOTP:
    """Enroll an authenticator through /mfa/enroll as a person would; returns it.

    ``post_form(client, path, data)`` posts with the page's CSRF token.
    """
    page = client.get("/mfa/enroll")
    match = SECRET_RE.search(page.data)
    assert match, page.data[:500]
    totp = pyotp.TOTP(match.group(1).decode())
    response = post_form(client, "/mfa/enroll", {"code": totp.now()})
    assert response.status_code == 200, response.data[:500]
    return totp
