"""OAuth 2.0 / OpenID Connect endpoints. Thin: Authlib does the protocol, the storage
adapter the persistence; these views add the sign-in, consent and logout steps."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import OAuth2Error
from flask import Blueprint, jsonify, redirect, render_template, request, session

from idp.extensions import csrf
from idp.login.assurance import ACR_VALUES
from idp.login.current import current_session, current_user, sign_out, store
from idp.oauth.server import (
    ALL_METHODS,
    init_oauth,
    keyring,
    minter,
    oauth_server,
    settings,
    storage,
    user_claims,
)
from idp.oauth.storage import Principal
from idp.oauth.tokens import ACCESS_TOKEN_TYP, BadToken

bp = Blueprint("oauth", __name__)

REAUTH_KEY = "oauth_reauth_after"
#: Algorithms accepted for private_key_jwt client assertions.
ASSERTION_ALGS = ["ES256", "RS256", "PS256", "EdDSA"]

SCOPE_LABELS = {
    "openid": "Confirm who you are",
    "profile": "Your name and username",
    "email": "Your email address",
    "organization": "The office you act for, its NPI, and your role there",
    "offline_access": "Stay connected while you are away",
}


@bp.record_once
def _setup(state) -> None:
    init_oauth(state.app)
    from idp.oauth.logout import register_backchannel_hook

    register_backchannel_hook()


def _error_page(message: str, status: int = 400):
    return render_template("error.html", status=status, message=message), status


def _redirect_error(redirect_uri: str, error: str, description: str = ""):
    params = [("error", error)]
    if description:
        params.append(("error_description", description))
    state = request.values.get("state")
    if state:
        params.append(("state", state))
    params.append(("iss", settings().issuer))
    return redirect(add_params_to_uri(redirect_uri, params))


def _authorize_error(error: OAuth2Error):
    """Back to the client only once client and redirect URI are known good (no open
    redirect); otherwise an error page for the person."""
    if error.redirect_uri:
        return _redirect_error(error.redirect_uri, error.error, error.description or "")
    return _error_page(
        f"The application's sign-in request is not valid ({error.error}: "
        f"{error.description or 'no details'}). Go back to the application and try again."
    )


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize():
    server = oauth_server()
    sso = current_session()
    user = current_user()
    principal = None
    if user is not None and sso is not None:
        # The public id, never the cookie value: tokens carry it to relying parties.
        principal = storage().principal(
            user, sso.active_org_id, sso.public_id, sso.auth_time, sso.amr
        )
    try:
        grant = server.get_consent_grant(end_user=principal)
    except OAuth2Error as error:
        return _authorize_error(error)
    client = grant.request.client
    redirect_uri = grant.redirect_uri
    if request.values.get("request") or request.values.get("request_uri"):
        return _redirect_error(
            redirect_uri,
            "request_uri_not_supported"
            if request.values.get("request_uri")
            else "request_not_supported",
            "Request objects are not supported.",
        )
    prompts = set(request.values.get("prompt", "").split())
    if "none" in prompts and len(prompts) > 1:
        return _redirect_error(redirect_uri, "invalid_request", "prompt=none stands alone.")

    marker = session.get(REAUTH_KEY)
    fresh = bool(marker and sso is not None and sso.auth_time >= marker)
    need_login = principal is None
    if principal is not None and not fresh:
        if prompts & {"login", "select_account"}:
            need_login = True
        raw_max_age = request.values.get("max_age")
        if raw_max_age is not None:
            if not raw_max_age.isdigit():
                return _redirect_error(redirect_uri, "invalid_request", "max_age: seconds.")
            if time.time() - sso.auth_time > int(raw_max_age):
                need_login = True
    if need_login:
        if "none" in prompts:
            return _redirect_error(redirect_uri, "login_required", "Sign-in is needed.")
        session[REAUTH_KEY] = time.time() - 1
        query = {"next": request.full_path.rstrip("?"), "reauth": "1"}
        if request.values.get("login_hint"):
            query["login_hint"] = request.values["login_hint"]
        return redirect("/login?" + urlencode(query))

    scopes = (grant.request.scope or "").split()
    remembered = client.model.first_party or (
        "consent" not in prompts and storage().consented(user.id, client.client_id, scopes)
    )
    if not remembered:
        if "none" in prompts:
            return _redirect_error(redirect_uri, "consent_required", "Consent is needed.")
        if request.method != "POST":
            return render_template(
                "oauth/consent.html",
                client=client.model,
                scopes=[
                    (s, SCOPE_LABELS.get(s, f"Use the {s} service for your office")) for s in scopes
                ],
                action=request.full_path.rstrip("?"),
                user=user,
            )
        if request.form.get("decision") != "allow":
            session.pop(REAUTH_KEY, None)
            return server.create_authorization_response(grant=grant, grant_user=None)
        storage().save_consent(user.id, client.client_id, scopes)
    return _issue_code(server, grant, principal, sso)


def _issue_code(server, grant, principal: Principal, sso):
    session.pop(REAUTH_KEY, None)
    response = server.create_authorization_response(grant=grant, grant_user=principal)
    client_id = grant.request.client.client_id
    issued = response.status_code == 302 and "code=" in response.headers.get("Location", "")
    if issued:
        storage().record_authorization(
            principal, client_id, grant.request.scope or "", request.remote_addr
        )
    if issued and client_id not in sso.clients:
        sso.clients.append(client_id)
        store().save(sso)
    return response


@bp.post("/oauth/token")
@csrf.exempt
def token():
    return oauth_server().create_token_response()


@bp.post("/oauth/revoke")
@csrf.exempt
def revoke():
    return oauth_server().create_endpoint_response("revocation")


@bp.post("/oauth/introspect")
@csrf.exempt
def introspect():
    return oauth_server().create_endpoint_response("introspection")


def _bearer_error(status: int, error: str, description: str):
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    response.headers["WWW-Authenticate"] = (
        f'Bearer error="{error}", error_description="{description}"'
    )
    return response


@bp.route("/oauth/userinfo", methods=["GET", "POST"])
@csrf.exempt
def userinfo():
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else None
    if token is None and request.method == "POST":
        token = request.form.get("access_token")
    if not token:
        response = jsonify(error="invalid_request", error_description="Send a bearer token.")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    try:
        claims = minter().verify(token, typ=ACCESS_TOKEN_TYP)
    except BadToken as exc:
        return _bearer_error(401, "invalid_token", str(exc))
    if storage().access_token_revoked(claims.get("jti", "")):
        return _bearer_error(401, "invalid_token", "revoked")
    scope = claims.get("scope", "")
    if "openid" not in scope.split():
        return _bearer_error(403, "insufficient_scope", "the openid scope is needed")
    user = storage().user(claims.get("sub", ""))
    if user is None:
        return _bearer_error(401, "invalid_token", "the user can no longer sign in")
    org = claims.get("org") or {}
    roles = claims.get("roles") or []
    principal = Principal(
        user=user,
        org_id=org.get("id"),
        role=roles[0] if roles else None,
        sid="",
        auth_time=0,
        amr=[],
    )
    body = {"sub": user.id, **user_claims(principal, scope)}
    if "organization" in scope.split():
        body["memberships"] = storage().organizations_of(user)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/oauth/jwks")
@bp.get("/.well-known/jwks.json")
def jwks():
    response = jsonify(keyring().jwks())
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def metadata() -> dict:
    s = settings()
    issuer = s.issuer
    from idp.oauth.clients import known_scopes

    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "userinfo_endpoint": f"{issuer}/oauth/userinfo",
        "jwks_uri": f"{issuer}/oauth/jwks",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "introspection_endpoint": f"{issuer}/oauth/introspect",
        "end_session_endpoint": f"{issuer}/oauth/logout",
        "scopes_supported": sorted(known_scopes(s)),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256", "RS256"],
        "token_endpoint_auth_methods_supported": ALL_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "revocation_endpoint_auth_methods_supported": ALL_METHODS,
        "revocation_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "introspection_endpoint_auth_signing_alg_values_supported": ASSERTION_ALGS,
        "introspection_endpoint_auth_methods_supported": ALL_METHODS[:-1],
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "acr",
            "amr",
            "at_hash",
            "sid",
            "name",
            "preferred_username",
            "email",
            "email_verified",
            "organization",
            "memberships",
        ],
        "acr_values_supported": list(ACR_VALUES),
        "authorization_response_iss_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "claims_parameter_supported": False,
    }


@bp.get("/.well-known/openid-configuration")
@bp.get("/.well-known/oauth-authorization-server")
def discovery():
    response = jsonify(metadata())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/oauth/logout", methods=["GET", "POST"])
def end_session():
    """RP-initiated logout: an exactly registered post_logout_redirect_uri, only with an
    id_token_hint that names the client; without a hint the person confirms first."""
    values = request.values
    hint = values.get("id_token_hint")
    target = values.get("post_logout_redirect_uri")
    client_model = None
    hinted_sid = None
    if hint:
        try:
            claims = minter().verify_id_token(hint)
        except BadToken:
            return _error_page("The sign-out request is not valid (id_token_hint).")
        aud = claims.get("aud")
        client_id = aud if isinstance(aud, str) else (aud or [None])[0]
        if values.get("client_id") and values["client_id"] != client_id:
            return _error_page("The sign-out request is not valid (client_id).")
        client_model = storage().client_model(client_id) if isinstance(client_id, str) else None
        if client_model is None:
            return _error_page("The sign-out request is not valid (id_token_hint).")
        hinted_sid = claims.get("sid")
    elif values.get("client_id"):
        client_model = storage().client_model(values["client_id"])
    if target and (client_model is None or target not in client_model.post_logout_redirect_uris):
        return _error_page("The application asked to return to an address it did not register.")
    sso = current_session()
    confirmed = request.method == "POST" and values.get("confirm") == "yes"
    hint_matches = hint is not None and sso is not None and hinted_sid == sso.public_id
    if sso is not None and not (confirmed or hint_matches):
        return render_template(
            "oauth/logout.html",
            client=client_model,
            target=target,
            state=values.get("state", ""),
            hint=hint or "",
            client_id=values.get("client_id", ""),
        )
    if sso is not None:
        sign_out()
    if target:
        state = values.get("state")
        return redirect(add_params_to_uri(target, [("state", state)] if state else []))
    return render_template("oauth/logged_out.html")
