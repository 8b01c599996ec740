"""Map errors to responses in one place: JSON for API and protocol paths, HTML otherwise."""

from __future__ import annotations

import logging

from authlib.oauth2.base import OAuth2Error
from flask import current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from idp.api import problems
from idp.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    NotFound,
    Unauthenticated,
    Unavailable,
)
from idp.web import outages

log = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/oauth/", "/.well-known/", "/userinfo", "/healthz", "/readyz")


#: Status for each kind of domain error; the nearest listed base class decides.
STATUS: dict[type[DomainError], int] = {
    DomainError: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    Unavailable: 503,
}


#: HTTP-level refusals of a malformed request (unreadable body, too large, bad headers)
#: carry RFC 6749's ``invalid_request`` code, which every OAuth client understands.
MALFORMED = {400, 411, 413, 414, 415, 431}


def status_of(exc: DomainError) -> int:
    for kind in type(exc).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def wants_json() -> bool:
    if request.path.startswith(JSON_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _respond(status: int, code: str, message: str, exc: Exception | None = None):
    if request.path.startswith(problems.PREFIX):
        return problems.problem(status, code, message, errors=problems.field_errors(exc)), status
    if wants_json():
        return jsonify(error=code, error_description=message), status
    return render_template("error.html", status=status, message=message, code=code), status


def _retry_after() -> dict[str, str]:
    return {"Retry-After": str(current_app.config["IDP_SETTINGS"].server_retry_after_seconds)}


def unavailable(cause: BaseException):
    """503 for an unreachable dependency: one log line, the session rolled back."""
    from idp.extensions import db

    log.warning("503 on %s %s: %s", request.method, request.path, outages.describe(cause))
    try:
        db.session.rollback()
    except Exception as exc:  # the connection is already gone; the pool replaces it
        log.debug("rollback after an outage failed: %s", exc)
    body, status = _respond(503, Unavailable.code, outages.MESSAGE)
    return body, status, _retry_after()


def register_error_handlers(app) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        body, status = _respond(status_of(exc), exc.code, exc.message, exc)
        return body, status, _retry_after() if status == 503 else {}

    @app.errorhandler(OAuth2Error)
    def oauth_error(exc: OAuth2Error):
        """An Authlib error raised outside its endpoints' own handling (e.g. its transport
        check on a plain-http request for a non-loopback host): the RFC shape, its status."""
        status = exc.status_code if 400 <= (exc.status_code or 0) < 500 else 400
        description = exc.description or exc.error
        if request.path.startswith(problems.PREFIX):
            return problems.problem(status, exc.error, description)
        return jsonify(error=exc.error, error_description=description), status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        cause = outages.dependency_error(getattr(exc, "original_exception", None))
        if cause is not None:  # raised where Flask wraps errors as 500 (after_request)
            return unavailable(cause)
        if exc.code in MALFORMED:
            code = "invalid_request"
        else:
            code = (exc.name or "error").lower().replace(" ", "_")
        response = _respond(exc.code or 500, code, exc.description or exc.name)
        allowed = getattr(exc, "valid_methods", None)
        if exc.code == 405 and allowed:
            body, status = response
            return body, status, {"Allow": ", ".join(allowed)}
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        cause = outages.dependency_error(exc)
        if cause is not None:
            return unavailable(cause)
        log.exception("unhandled error on %s %s", request.method, request.path)
        err = InternalServerError()
        return _respond(500, "server_error", err.description)
