"""Forward-auth endpoints.

- ``/forward-auth`` for Traefik ``forwardAuth`` (and Caddy ``forward_auth``): browsers
  without a session get a 302 to the sign-in start, which the proxy passes on.
- ``/forward-auth/nginx`` for nginx ``auth_request``, which only understands 2xx/401/403:
  browsers get 401 with ``X-Auth-Redirect`` naming the sign-in start, for
  ``error_page 401 = @idp_sign_in`` to redirect to.
- ``/forward-auth/start?rd=<url>``: signs the browser in (if needed) and sends it back to a
  URL on a host the gateway protects.

A proxy subrequest never carries a new cookie back to the browser, so these endpoints read the
session without rotating it.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse

from idp.audit import record_own
from idp.errors import DomainError
from idp.extensions import csrf, db
from idp.forward_auth.policy import GatewayPolicy, valid_return_url
from idp.forward_auth.service import Decision, Identity, decide, original_request
from idp.login.assurance import is_phishing_resistant
from idp.login.current import current_session, current_user, settings
from idp.mfa.store import has_passkey
from idp.orgs import access

bp = Blueprint("forward_auth", __name__)
csrf.exempt(bp)

#: auth_request subrequests keep the original method; the body is never read.
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def policy() -> GatewayPolicy:
    ext = current_app.extensions
    if "idp.gateway_policy" not in ext:
        ext["idp.gateway_policy"] = GatewayPolicy.from_settings(settings())
    return ext["idp.gateway_policy"]


def _prefers_json() -> bool:
    if request.headers.get("X-Requested-With", "").lower() == "xmlhttprequest":
        return True
    accept = request.accept_mimetypes
    best = accept.best_match(["application/json", "text/html"])
    return best == "application/json" and accept[best] > accept["text/html"]


def _identity() -> Identity | None:
    session = current_session(rotate=False)
    user = current_user()
    if session is None or user is None:
        return None
    membership = access.active_membership(user.id, session.active_org_id)
    roles = [membership.role] if membership else []
    if user.platform_role:
        roles.append(user.platform_role)
    org = membership.organization if membership else None
    phishing_resistant = is_phishing_resistant(session.amr)
    return Identity(
        user_id=user.id,
        username=user.username,
        email=user.email,
        name=user.shown_name,
        org_id=org.id if org else None,
        org_name=org.legal_name if org else None,
        org_npi=org.npi if org else None,
        roles=tuple(roles),
        mfa=session.mfa_at is not None,
        session=session.public_id,
        phishing_resistant=phishing_resistant,
        phishing_resistant_required=access.mfa_policy(settings(), user).phishing_resistant,
        has_passkey=not phishing_resistant and has_passkey(user),
    )


def _refusal(decision: Decision) -> Response:
    if _prefers_json() or decision.status == 401:
        return make_response(
            jsonify(error=decision.reason, error_description=decision.message), decision.status
        )
    page = render_template("error.html", status=decision.status, message=decision.message)
    return make_response(page, decision.status)


def _check(redirect_browsers: bool):
    try:
        original = original_request(request.headers, request.method)
    except DomainError as exc:
        response: BaseResponse = make_response(
            jsonify(error="invalid_request", error_description=exc.message)
        )
        response.status_code = 400
        response.headers["Cache-Control"] = "no-store"
        return response
    identity = _identity()
    decision = decide(
        policy(),
        original,
        identity,
        prefers_json=_prefers_json(),
        public_base_url=settings().public_base_url,
    )
    if decision.status == 200:
        response = make_response("", 200)
        response.headers.update(decision.headers)
    elif decision.sign_in_url and redirect_browsers:
        response = redirect(decision.sign_in_url)
    else:
        response = _refusal(decision)
        if decision.sign_in_url:
            response.headers["X-Auth-Redirect"] = decision.sign_in_url
        if decision.status == 401:
            response.headers["WWW-Authenticate"] = 'Cookie realm="idp"'
    if decision.status == 403 and identity is not None:
        record_own(
            "gateway.denied",
            identity.user_id,
            org_id=identity.org_id,
            ip=request.remote_addr,
            reason=decision.reason,
            route=decision.route,
            host=original.host,
            path=original.path[:200],
        )
        db.session.commit()
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/forward-auth", methods=ANY_METHOD)
def traefik():
    return _check(redirect_browsers=True)


@bp.route("/forward-auth/nginx", methods=ANY_METHOD)
def nginx():
    return _check(redirect_browsers=False)


@bp.get("/forward-auth/start")
def start():
    target = valid_return_url(request.args.get("rd", ""), policy(), https_only=settings().is_https)
    if target is None:
        raise DomainError("This return address is not an application protected by the gateway.")
    if current_user() is None:
        return redirect(url_for("login.login", next=request.full_path.rstrip("?")))
    return redirect(target)
