"""What an audit entry learns from the request it was written in, when there is one.

Services pass what they know (actor, subject, office, client, IP); :func:`fill` adds the
client address, user agent and request id of the active request for anything left empty,
so services stay free of Flask. ``init_app`` gives every request an id: the trusted proxy's
``X-Request-ID`` when idp sits behind one (``server.trusted_proxies``), else a new one; it
is echoed in the response so a support ticket can name it.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@-]{1,64}")
USER_AGENT_MAX = 300


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def fill(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with ip, user_agent and request_id from the active request where empty."""
    if not has_request_context():
        return values
    if not values.get("ip"):
        values["ip"] = request.remote_addr
    if not values.get("user_agent"):
        agent = request.headers.get("User-Agent")
        values["user_agent"] = agent[:USER_AGENT_MAX] if agent else None
    if not values.get("request_id"):
        values["request_id"] = g.get("request_id")
    return values


def init_app(app: Flask) -> None:
    trust_header = bool(app.config["IDP_SETTINGS"].server_trusted_proxies)

    def _assign_request_id() -> None:
        given = request.headers.get(HEADER, "") if trust_header else ""
        g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex

    # First of all before_request hooks, so a request refused by one (CSRF, input checks)
    # still has its id.
    app.before_request_funcs.setdefault(None, []).insert(0, _assign_request_id)

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        rid = g.get("request_id")
        if rid:
            response.headers[HEADER] = rid
        return response
