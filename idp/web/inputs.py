"""One check on every request's input before any view sees it.

No field of this application can hold U+0000 (names, ids, tokens, URIs, codes), and
PostgreSQL refuses it in text: the driver raises, which would surface as a 500 from whichever
lookup met it first. Refusing it here answers every route, protocol endpoints included (in
the RFC JSON shape via :mod:`idp.web.errors`), with a 400 instead.
"""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import RequestHeaderFieldsTooLarge

from idp.errors import DomainError

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
#: The longest header field value a request may carry: gunicorn's own limit
#: (``limit_request_field_size``), held here too because granian has none (it passed a
#: 100 kB cookie on to the app).
MAX_HEADER_FIELD = 8190


def oversized_header(environ: dict) -> bool:
    return any(len(v) > MAX_HEADER_FIELD for k, v in environ.items() if k.startswith("HTTP_"))


def has_nul(items) -> bool:
    return any(NUL in key or NUL in value for key, value in items)


def refuse_nul_characters() -> None:
    """``before_request`` hook: path, query string and form fields (names and values); and
    no header field longer than a server would hold (431)."""
    if oversized_header(request.environ):
        raise RequestHeaderFieldsTooLarge("A request header is too long.")
    if NUL in request.path or has_nul(request.args.items(multi=True)):
        raise DomainError("The address contains a NUL character.")
    if request.mimetype in FORM_TYPES and has_nul(request.form.items(multi=True)):
        raise DomainError("A form field contains a NUL character.")


def register_input_checks(app) -> None:
    from idp.web.body import GuardRequestBody

    app.wsgi_app = GuardRequestBody(app.wsgi_app, lambda: app.config.get("MAX_CONTENT_LENGTH"))
    app.before_request(refuse_nul_characters)
