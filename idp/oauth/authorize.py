"""The authorization endpoint: Authlib validates the request, :func:`interaction.decide`
chooses what happens, and this module carries it out (sign-in redirect, consent page, code).

Errors go back to the client only once client and redirect URI are known good (no open
redirect); before that the person gets an error page.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import OAuth2Error
from flask import Request, redirect, render_template, request, session

from idp.extensions import db
from idp.login.assurance import is_phishing_resistant
from idp.login.current import current_session, current_user, store
from idp.oauth import interaction, principals
from idp.oauth.context import oauth_server, service, settings
from idp.orgs import access
from idp.web.outages import dependency_error

REAUTH_KEY = "oauth_reauth_after"
AUTHORIZE_PATH = "/oauth/authorize"

SCOPE_LABELS = {
    "openid": "Confirm who you are",
    "profile": "Your name and username",
    "email": "Your email address",
    "organization": "The office you act for, its NPI, and your role there",
    "offline_access": "Stay connected while you are away",
}


#: What an OAuth error code means for the person in front of the page (the code itself
#: stays on the page, for the application's support team).
ERROR_WORDS = {
    "invalid_request": "The application sent an incomplete or malformed sign-in request.",
    "invalid_client": "This application is not registered here, or it has been switched off.",
    "unauthorized_client": "This application is not allowed to sign people in this way.",
    "invalid_scope": "The application asked for access that this sign-in service does not offer.",
    "unsupported_response_type": "The application asked for a kind of sign-in we do not offer.",
    "access_denied": "The sign-in was refused.",
    "server_error": "Something went wrong on our side.",
}
WHAT_TO_DO = (
    "Go back to the application and start again. If it happens again, contact the "
    "application's support team and quote the error code below."
)


def error_page(message: str, status: int = 400, code: str | None = None):
    page = render_template("error.html", status=status, message=message, code=code)
    return page, status


def redirect_error(redirect_uri: str, error: str, description: str = ""):
    params = [("error", error)]
    if description:
        params.append(("error_description", description))
    state = request.values.get("state")
    if state:
        params.append(("state", state))
    params.append(("iss", settings().issuer))
    return redirect(add_params_to_uri(redirect_uri, params))


def _invalid_request_page(error: str, description: str):
    words = ERROR_WORDS.get(error, "The application's sign-in request could not be handled.")
    return error_page(f"{words} {WHAT_TO_DO}", code=f"{error}: {description}")


def _authlib_error(error: OAuth2Error):
    if error.redirect_uri:
        return redirect_error(error.redirect_uri, error.error, error.description or "")
    return _invalid_request_page(error.error, error.description or "no details")


def application_name(next_url: str) -> str | None:
    """The name of the enabled client a sign-in continues to, from its authorize URL.

    Taken from the client's registration, never from the URL's text, so a crafted link
    cannot make the sign-in page name an application of its choice."""
    from urllib.parse import parse_qs

    from idp.oauth.context import query_client

    parts = urlsplit(next_url)
    if parts.path != AUTHORIZE_PATH:
        return None
    client_id = (parse_qs(parts.query).get("client_id") or [""])[0][:200]
    client = query_client(client_id) if client_id else None
    return client.model.name if client is not None else None


def _principal(user, sso):
    if user is None or sso is None:
        return None
    # The public id, never the cookie value: tokens carry it to relying parties.
    return principals.for_session(user, sso.active_org_id, sso.public_id, sso.auth_time, sso.amr)


def _interaction_session(user, sso) -> interaction.Session:
    return interaction.Session(
        sso.auth_time,
        session.get(REAUTH_KEY),
        phishing_resistant_required=access.mfa_policy(settings(), user).phishing_resistant,
        phishing_resistant=is_phishing_resistant(sso.amr),
    )


@dataclass(frozen=True)
class _Decided:
    """A validated authorization request and what :func:`interaction.decide` made of it."""

    outcome: interaction.Outcome
    server: Any
    grant: Any
    principal: Any
    sso: Any


def authorize():
    decided = _decide(request)
    if not isinstance(decided, _Decided):
        return decided
    return _respond(decided, request)


def continue_after_sign_in(next_url: str):
    """The answer to the authorization request a sign-in was for, given in the sign-in's
    own response when it issues the code; None when it would do anything else.

    A finished sign-in used to redirect the browser back to this endpoint, which then
    validated the request again and issued the code: one more request per sign-in, 10-15 %
    of the code flow's CPU (docs/benchmarks.md). Here the same request is decided
    in place (``next_url``'s query, the session just started), as Keycloak's login action
    does. Only a code is answered so; consent, a further sign-in or an error go the old
    way, by a redirect, and so does a database or Redis outage met here: the sign-in
    stands, and the browser's next request meets the outage in its own answer.
    """
    parts = urlsplit(next_url)
    if parts.scheme or parts.netloc or parts.path != AUTHORIZE_PATH:
        return None
    req = _authorization_request(parts.query)
    try:
        decided = _decide(req)
        if not isinstance(decided, _Decided) or not isinstance(decided.outcome, interaction.Issue):
            return None
        return _respond(decided, req)
    except Exception as exc:
        if dependency_error(exc) is None:
            raise
        db.session.rollback()
        return None


def _authorization_request(query: str) -> Request:
    """A GET of this endpoint with ``query``, in this request's environment (client
    address, headers, cookies), for a decision made in place of a redirect."""
    environ = dict(request.environ)
    environ.update(
        REQUEST_METHOD="GET",
        PATH_INFO=AUTHORIZE_PATH,
        QUERY_STRING=query,
        CONTENT_LENGTH="0",
        CONTENT_TYPE="",
    )
    environ["wsgi.input"] = io.BytesIO()
    environ.pop("werkzeug.request", None)
    return Request(environ)


def _decide(req) -> _Decided | Any:
    server = oauth_server()
    sso, user = current_session(), current_user()
    principal = _principal(user, sso)
    try:
        grant = server.get_consent_grant(request=req, end_user=principal)
    except OAuth2Error as error:
        return _authlib_error(error)
    client = grant.request.client
    consent = None
    if principal is not None and not client.model.first_party:
        consent = service().consented_scopes(user.id, client.client_id)
    decision = req.form.get("decision", "") if req.method == "POST" else None
    outcome = interaction.decide(
        interaction.Params.from_values(req.values, decision=decision),
        _interaction_session(user, sso) if principal else None,
        interaction.Client(first_party=client.model.first_party),
        consent,
        (grant.request.scope or "").split(),
        time.time(),
    )
    return _Decided(outcome, server, grant, principal, sso)


def _respond(decided: _Decided, req):
    server, grant, principal, sso = decided.server, decided.grant, decided.principal, decided.sso
    match decided.outcome:
        case interaction.Error(error=error, description=description):
            return redirect_error(grant.redirect_uri, error, description)
        case interaction.Login(login_hint=hint):
            session[REAUTH_KEY] = time.time() - 1
            query = {"next": req.full_path.rstrip("?"), "reauth": "1"}
            if hint:
                query["login_hint"] = hint
            return redirect("/login?" + urlencode(query))
        case interaction.Consent():
            return _consent_page(grant, principal)
        case interaction.Denied():
            session.pop(REAUTH_KEY, None)
            return server.create_authorization_response(grant=grant, grant_user=None)
        case interaction.Issue(save_consent=save):
            if save:
                scopes = (grant.request.scope or "").split()
                service().save_consent(principal.user.id, grant.request.client.client_id, scopes)
            return _issue_code(server, grant, principal, sso)
    raise AssertionError(decided.outcome)  # pragma: no cover - decide returns one of the above


def _consent_page(grant, principal):
    scopes = (grant.request.scope or "").split()
    return render_template(
        "oauth/consent.html",
        client=grant.request.client.model,
        scopes=[(s, SCOPE_LABELS.get(s, f"Use the {s} service for your office")) for s in scopes],
        action=request.full_path.rstrip("?"),
        user=principal.user,
    )


def _issue_code(server, grant, principal, sso):
    session.pop(REAUTH_KEY, None)
    response = server.create_authorization_response(
        request=grant.request, grant=grant, grant_user=principal
    )
    client_id = grant.request.client.client_id
    issued = response.status_code == 302 and "code=" in response.headers.get("Location", "")
    if issued and client_id not in sso.clients:
        sso.clients.append(client_id)
        store().save(sso)
    return response
