"""Every request's id, one rule for the audit trail, the logs and the response.

The trusted proxy's ``X-Request-ID`` is kept when idp sits behind one
(``server.trusted_proxies``) and the id is short and plain; otherwise a new one is made.
An id a client chose itself is never trusted: it would go into audit entries an
investigation relies on. The id is echoed in the response so a support ticket can name it.
"""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
_PLAIN = re.compile(r"[A-Za-z0-9._:@-]{1,64}")


def request_id() -> str | None:
    """The id of the request being answered, outside a request None."""
    return g.get("request_id") if has_request_context() else None


def install(app: Flask) -> None:
    trust_header = bool(app.config["IDP_SETTINGS"].server_trusted_proxies)

    def _assign() -> None:
        given = request.headers.get(HEADER, "") if trust_header else ""
        g.request_id = given if _PLAIN.fullmatch(given) else uuid.uuid4().hex

    # First of all before_request hooks, so a request refused by one (CSRF, input checks)
    # still has its id.
    app.before_request_funcs.setdefault(None, []).insert(0, _assign)

    @app.after_request
    def _echo(response: Response) -> Response:
        rid = g.get("request_id")
        if rid:
            response.headers[HEADER] = rid
        return response
