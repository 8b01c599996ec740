"""What an audit entry learns from the request it was written in, when there is one.

Services pass what they know (actor, subject, office, client, IP); :func:`fill` adds the
client address, user agent and request id (:mod:`idp.web.request_id`) of the active
request for anything left empty, so services stay free of Flask. Read from the request's
WSGI environ (what werkzeug's ``remote_addr`` and headers read), so a request answered
before Flask fills them alike.
"""

from __future__ import annotations

from typing import Any

from idp.web.request_id import current_environ, request_id

USER_AGENT_MAX = 300


def fill(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with ip, user_agent and request_id from the active request where empty."""
    environ = current_environ()
    if environ is None:
        return values
    if not values.get("ip"):
        values["ip"] = environ.get("REMOTE_ADDR")
    if not values.get("user_agent"):
        agent = environ.get("HTTP_USER_AGENT")
        values["user_agent"] = agent[:USER_AGENT_MAX] if agent else None
    if not values.get("request_id"):
        values["request_id"] = request_id()
    return values
