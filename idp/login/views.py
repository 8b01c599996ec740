"""Sign-in pages: password, then a second factor (or forced enrollment), then the session."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from idp import services
from idp.login import flow
from idp.login.current import current_user, safe_next, sign_out
from idp.login.service import SignInFailed
from idp.mfa.store import has_passkey
from idp.security.limits import limit

bp = Blueprint("login", __name__)


def _login_page(next_url: str, username: str, error: str | None, reauth: bool, status=200):
    return (
        render_template(
            "login/login.html", next=next_url, error=error, username=username, reauth=reauth
        ),
        status,
    )


@bp.route("/login", methods=["GET", "POST"])
@limit("login")
def login():
    next_url = safe_next(request.values.get("next"))
    reauth = request.values.get("reauth") == "1"
    if request.method == "GET":
        if current_user() is not None and not reauth:
            return redirect(next_url)
        hint = request.args.get("login_hint", "")[:254]
        return _login_page(next_url, hint, None, reauth)
    identifier = request.form.get("username", "")[:254]
    password = request.form.get("password", "")[:1024]
    try:
        result = services.sign_in_service().check_password(
            identifier, password, ip=request.remote_addr or "", device_token=flow.device_token()
        )
    except SignInFailed as exc:
        return _login_page(next_url, identifier.strip(), exc.message, reauth, 401)
    if result.next_step == "done":
        return flow.finish(result.user, ["pwd"], next_url)
    flow.start(result.user, result.next_step, next_url, result.trusted_device)
    if result.next_step == "enroll":
        return redirect(url_for("mfa.enroll", next=next_url))
    return redirect(url_for("login.verify"))


@bp.route("/login/verify", methods=["GET", "POST"])
@limit("totp")
def verify():
    found = flow.current("mfa")
    if found is None:
        return redirect(url_for("login.login"))
    data, user = found
    service = services.sign_in_service()
    page = {"passkey": has_passkey(user), "passkey_only": service.passkey_only(user)}
    if request.method == "GET":
        return render_template("login/verify.html", error=None, **page)
    try:
        amr = service.check_second_factor(
            user,
            request.form.get("code", "")[:64],
            ip=request.remote_addr or "",
            device_token=flow.device_token(),
        )
    except SignInFailed as exc:
        return render_template("login/verify.html", error=exc.message, **page), 401
    return flow.finish(user, amr, data["next"])


@bp.post("/logout")
def logout():
    sign_out()
    return redirect("/login")
