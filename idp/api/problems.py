"""RFC 9457 problem details: the one error shape of every response under ``/api/``.

``idp.web.errors`` decides status and code for every error (domain errors, HTTP errors,
outages); for ``/api/`` paths it renders them through :func:`problem`."""

from __future__ import annotations

from http import HTTPStatus

from flask import Response, json

PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"
#: ``type`` URIs are relative references to the API's documentation of error codes.
TYPE_BASE = "/api/v1/docs#problem-"


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    errors: dict[str, str] | list | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem+json response; ``code`` is the machine-readable reason (also ``code``)."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict = {
        "type": f"{TYPE_BASE}{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_errors(exc) -> dict[str, str] | list | None:
    """Per-field messages of a domain error: ``FieldErrors.errors``, a ``field``, or the
    rows of a bulk list."""
    rows = getattr(exc, "rows", None)
    if rows is not None:
        return [
            {"line": r.line, "email": r.email, "role": r.role, "problem": r.problem}
            for r in rows
            if r.problem
        ]
    errors = getattr(exc, "errors", None)
    if isinstance(errors, dict) and errors:
        return {str(k): str(v) for k, v in errors.items()}
    field = getattr(exc, "field", None)
    return {field: exc.message} if field else None
