"""Every request's id, one rule for the audit trail, the logs and the response.

The trusted proxy's ``X-Request-ID`` is kept when idp sits behind one
(``server.trusted_proxies``) and the id is short and plain; otherwise a new one is made.
An id a client chose itself is never trusted: it would go into audit entries an
investigation relies on. The id is echoed in the response so a support ticket can name it.

A request answered before Flask (:mod:`idp.oauth.fastpath`) has no request context; it
names its WSGI environ with :func:`answering`, and :func:`request_id` and
:func:`current_environ` read that instead.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
#: Where a request answered before Flask keeps its id.
ENVIRON_KEY = "idp.request_id"
_PLAIN = re.compile(r"[A-Za-z0-9._:@-]{1,64}")
_BARE: ContextVar[dict | None] = ContextVar("idp_bare_request", default=None)


def choose(given: str | None, trust_header: bool) -> str:
    """The id of a request: the proxy's ``given`` one when trusted and plain, else new."""
    given = given if trust_header and given else ""
    return given if _PLAIN.fullmatch(given) else uuid.uuid4().hex


@contextmanager
def answering(environ: dict) -> Iterator[None]:
    """While a request is answered outside Flask: its environ, with its id chosen."""
    token = _BARE.set(environ)
    try:
        yield
    finally:
        _BARE.reset(token)


def current_environ() -> dict | None:
    """The WSGI environ of the request being answered (Flask's or a bare one), else None."""
    if has_request_context():
        return request.environ
    return _BARE.get()


def request_id() -> str | None:
    """The id of the request being answered, outside a request None."""
    if has_request_context():
        return g.get("request_id")
    environ = _BARE.get()
    return environ.get(ENVIRON_KEY) if environ is not None else None


def install(app: Flask) -> None:
    trust_header = bool(app.config["IDP_SETTINGS"].server_trusted_proxies)

    def _assign() -> None:
        g.request_id = choose(request.headers.get(HEADER), trust_header)

    # First of all before_request hooks, so a request refused by one (CSRF, input checks)
    # still has its id.
    app.before_request_funcs.setdefault(None, []).insert(0, _assign)

    @app.after_request
    def _echo(response: Response) -> Response:
        rid = g.get("request_id")
        if rid:
            response.headers[HEADER] = rid
        return response
