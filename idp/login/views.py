"""Sign-in pages: password, then a second factor (or forced enrollment), then the session."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, jsonify, make_response, redirect, render_template, request, url_for

from idp import services
from idp.common.digits import page_number
from idp.login import flow
from idp.login.current import cookie_name, current_session, current_user, now, sign_out, store
from idp.login.guards import safe_next
from idp.login.service import SignInFailed
from idp.mfa.store import has_passkey
from idp.orgs.offices import offices_of
from idp.security.limits import limit

bp = Blueprint("login", __name__)

#: Holds the username only, and only when the person ticked "remember my username".
REMEMBER_COOKIE = "idp_remember_username"
REMEMBER_DAYS = 180


@bp.app_context_processor
def branding() -> dict:
    """Who runs these pages, shown plainly so that staff can tell them from a copy."""
    settings = services.settings()
    return {
        "branding": {
            "organization_name": settings.branding_organization_name,
            "host": urlsplit(settings.public_base_url).netloc,
            "never_ask": settings.branding_never_ask,
        },
        "password_rules": (
            f"At least {settings.auth_password_min_length} characters. A few unrelated words "
            "make a good one; spaces are fine. Not a common password, and not your name, "
            "username or email address."
        ),
    }


def _login_page(
    next_url: str,
    username: str,
    error: str | None,
    reauth: bool,
    status=200,
    remember: bool = False,
):
    from idp.oauth.authorize import application_name

    page = render_template(
        "login/login.html",
        next=next_url,
        error=error,
        username=username,
        reauth=reauth,
        application=application_name(next_url),
        remember=remember,
    )
    return page, status


def _remember(response, identifier: str):
    """Keep (or forget) the username on this browser, as the person chose."""
    response = make_response(response)
    if request.form.get("remember") == "1":
        response.set_cookie(
            REMEMBER_COOKIE,
            identifier.strip()[:254],
            max_age=REMEMBER_DAYS * 24 * 3600,
            httponly=True,
            secure=services.settings().is_https,
            samesite="Lax",
            path="/login",
        )
    elif REMEMBER_COOKIE in request.cookies:
        response.delete_cookie(REMEMBER_COOKIE, path="/login")
    return response


@bp.route("/login", methods=["GET", "POST"])
@limit("login")
def login():
    next_url = safe_next(request.values.get("next"))
    reauth = request.values.get("reauth") == "1"
    if request.method == "GET":
        if current_user() is not None and not reauth:
            return redirect(next_url)
        remembered = request.cookies.get(REMEMBER_COOKIE, "")[:254]
        hint = request.args.get("login_hint", "")[:254] or remembered
        return _login_page(next_url, hint, None, reauth, remember=bool(remembered))
    identifier = request.form.get("username", "")[:254]
    password = request.form.get("password", "")[:1024]
    try:
        result = services.sign_in_service().check_password(
            identifier, password, ip=request.remote_addr or "", device_token=flow.device_token()
        )
    except SignInFailed as exc:
        remember = request.form.get("remember") == "1"
        return _login_page(next_url, identifier.strip(), exc.message, reauth, 401, remember)
    if result.next_step == "done":
        return _remember(flow.finish(result.user, ["pwd"], next_url), identifier)
    flow.start(result.user, result.next_step, next_url, result.trusted_device)
    if result.next_step == "enroll" and _waiting_offices(result.user):
        # Tell a registrant where their practice stands before asking for an authenticator.
        return _remember(redirect(url_for("login.registration_status")), identifier)
    if result.next_step == "enroll":
        return _remember(redirect(url_for("mfa.enroll", next=next_url)), identifier)
    return _remember(redirect(url_for("login.verify")), identifier)


def _waiting_offices(user) -> list:
    """The person's practices still under review or turned down, when no office counts."""
    offices = offices_of(services.settings(), user)
    if any(o.counts for o in offices):
        return []
    return [o for o in offices if o.organization.status in ("pending", "rejected")]


@bp.get("/login/registration")
def registration_status():
    """The registration's status, for a registrant whose sign-in waits for enrollment."""
    found = flow.current("enroll")
    if found is None:
        return redirect(url_for("login.login"))
    data, user = found
    offices = _waiting_offices(user)
    if not offices:
        return redirect(url_for("mfa.enroll", next=data["next"]))
    return render_template(
        "dashboard/pending.html",
        user=user,
        offices=offices,
        contact=services.settings().branding_registration_contact,
        enroll_url=url_for("mfa.enroll", next=data["next"]),
    )


@bp.route("/login/verify", methods=["GET", "POST"])
@limit("totp")
@flow.second_factor_step
def verify(data: dict, user):
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
    flow.end()  # a half-done sign-in (e.g. on the registration status page) ends too
    sign_out()
    return redirect("/login")


@bp.get("/login/session/idle")
def idle_status():
    """Seconds until the idle timeout ends this browser's session, for the warning script.

    Reads the session without touching it: asking is not activity. Under /login, which a
    forward-auth gateway always routes to the idp (deploy/nginx/snippets/idp-paths.conf)."""
    session = store().get(request.cookies.get(cookie_name()))
    response = jsonify(signed_in=False, remaining=0, idle_minutes=0)
    if session is not None:
        left = min(session.idle_seconds - (now() - session.last_seen), session.expires_at - now())
        response = jsonify(
            signed_in=True,
            remaining=max(0, int(left)),
            idle_minutes=max(1, round(session.idle_seconds / 60)),
        )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/login/session/stay")
def stay_signed_in():
    """ "Stay signed in": this request is activity, so the idle timer starts again."""
    session = current_session()
    if session is None:
        return jsonify(signed_in=False, remaining=0), 401
    store().touch(session, min_interval=0)
    return jsonify(signed_in=True, remaining=session.idle_seconds)


@bp.get("/login/signed-out")
def signed_out_idle():
    """Where the warning script goes when the idle timeout ended the session."""
    raw = request.args.get("after", "")
    minutes = page_number(raw, limit=24 * 60)
    if current_user() is not None:
        return redirect(url_for("dashboard.index"))
    return render_template("login/signed_out.html", minutes=minutes)
