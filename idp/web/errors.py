"""Map errors to responses in one place: JSON for API and protocol paths, HTML otherwise."""

from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/oauth/", "/.well-known/", "/userinfo", "/healthz", "/readyz")


class DomainError(Exception):
    """A rule of the domain refused the request; the message is safe to show."""

    status = 400
    code = "invalid_request"

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status = status


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


def wants_json() -> bool:
    if request.path.startswith(JSON_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _respond(status: int, code: str, message: str):
    if wants_json():
        return jsonify(error=code, error_description=message), status
    return render_template("error.html", status=status, message=message), status


def register_error_handlers(app) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return _respond(exc.status, exc.code, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        response = _respond(exc.code or 500, code, exc.description or exc.name)
        if exc.code == 405 and exc.valid_methods:
            body, status = response
            return body, status, {"Allow": ", ".join(exc.valid_methods)}
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        err = InternalServerError()
        return _respond(500, "server_error", err.description)
