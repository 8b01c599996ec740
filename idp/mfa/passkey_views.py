"""Passkey pages: register and remove (two-step verification page), sign in with one.

The browser asks for WebAuthn options with a small JSON POST (CSRF header), runs the
ceremony, and posts the result back in an ordinary form (``credential``), so the answers are
the same pages and redirects as the password forms. Without JavaScript the passkey forms
stay hidden and password sign-in works as before.

- ``POST /mfa/passkeys/options``, ``POST /mfa/passkeys``: register (fresh sign-in, or the
  forced enrollment of a sign-in in progress); ``POST /mfa/passkeys/<id>/remove``.
- ``POST /login/passkey/options``, ``POST /login/passkey``: passwordless (any discoverable
  credential); the per-IP ``login`` limit applies.
- ``POST /login/verify/passkey/options``, ``POST /login/verify/passkey``: the second step
  after the password; the per-IP ``totp`` limit applies.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from idp import services
from idp.accounts.models import User
from idp.errors import DomainError, Forbidden, NotFound
from idp.login import flow
from idp.login.current import OTHER_SESSIONS_ENDED, current_session, keep_only_this_session
from idp.login.guards import auth_is_fresh, fresh_auth_required, safe_next
from idp.login.service import SignInFailed
from idp.mfa.passkeys import amr_for
from idp.mfa.views import enrolling_user
from idp.security.limits import limit

PASSKEY_ID = re.compile(r"[0-9a-f-]{36}")
MAX_FORM_CREDENTIAL = 16_000

bp = Blueprint("passkeys", __name__)


def _options(body: str) -> Response:
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def _credential() -> str:
    return request.form.get("credential", "")[:MAX_FORM_CREDENTIAL]


def _registering_user() -> tuple[User, dict | None]:
    """The person registering: in a forced enrollment, or signed in recently."""
    user, pending = enrolling_user()
    if user is None:
        raise Forbidden("Sign in first.")
    if pending is None and not auth_is_fresh(current_session(), user):
        raise Forbidden("Sign in again to change your two-step verification.")
    return user, pending


# --- registration -------------------------------------------------------------------------


@bp.post("/mfa/passkeys/options")
@limit("totp")
def register_options():
    user, _ = _registering_user()
    return _options(services.passkeys().registration_options(user))


@bp.post("/mfa/passkeys")
@limit("totp")
def register():
    user, pending = _registering_user()
    next_url = safe_next(pending["next"] if pending else None, url_for("mfa.manage"))
    try:
        credential = services.passkeys().register(
            user, request.form.get("name", ""), _credential(), ip=request.remote_addr
        )
    except DomainError as exc:
        if pending is not None:
            flash(exc.message, "error")
            return redirect(url_for("mfa.enroll"))
        raise
    codes = services.mfa().first_recovery_codes(user)
    if pending is None:
        # Before the page is made, so that the message is on it (or on the next one).
        keep_only_this_session(user)
        flash(f"Passkey “{credential.name}” added. {OTHER_SESSIONS_ENDED}")
    page = (
        render_template("mfa/recovery_codes.html", codes=codes, next=next_url)
        if codes
        else redirect(next_url)
    )
    if pending is not None:
        # Like confirming an app code: the key just made proves possession of a new factor.
        amr = amr_for(credential, with_password=True, user_verified=False)
        return flow.finish(user, amr, next_url, response=page)
    return page


@bp.post("/mfa/passkeys/<passkey_id>/remove")
@fresh_auth_required
def remove(passkey_id: str):
    if not PASSKEY_ID.fullmatch(passkey_id):
        raise NotFound("No such passkey.")
    user, _ = _registering_user()
    services.passkeys().remove(user, passkey_id, ip=request.remote_addr)
    keep_only_this_session(user)
    flash(f"Passkey removed. {OTHER_SESSIONS_ENDED}")
    return redirect(url_for("mfa.manage"))


# --- sign-in ------------------------------------------------------------------------------


@bp.post("/login/passkey/options")
@limit("login")
def passwordless_options():
    return _options(services.passkeys().passwordless_options())


@bp.post("/login/passkey")
@limit("login")
def passwordless():
    next_url = safe_next(request.form.get("next"))
    try:
        user, amr = services.sign_in_service().check_passkey(
            _credential(), user=None, ip=request.remote_addr or "", device_token=flow.device_token()
        )
    except SignInFailed as exc:
        page = render_template(
            "login/login.html",
            next=next_url,
            error=exc.message,
            username="",
            reauth=request.form.get("reauth") == "1",
        )
        return page, 401
    return flow.finish(user, amr, next_url)


@bp.post("/login/verify/passkey/options")
@limit("totp")
def second_factor_options():
    found = flow.current("mfa")
    if found is None:
        raise Forbidden("Your sign-in expired. Sign in again.")
    return _options(services.passkeys().second_factor_options(found[1]))


@bp.post("/login/verify/passkey")
@limit("totp")
@flow.second_factor_step
def second_factor(data: dict, user):
    service = services.sign_in_service()
    try:
        user, amr = service.check_passkey(
            _credential(), user=user, ip=request.remote_addr or "", device_token=flow.device_token()
        )
    except SignInFailed as exc:
        page = render_template(
            "login/verify.html",
            error=exc.message,
            passkey=True,
            passkey_only=service.passkey_only(user),
        )
        return page, 401
    return flow.finish(user, amr, data["next"])
