"""The signed-cookie session (sign-in flow state, CSRF tokens), left unopened where nothing
uses it.

The token, introspection and revocation endpoints authenticate clients, never browsers:
parsing and verifying a session cookie there, and deciding whether to send one back, is
work per request that those paths, the busiest of all, do not need. They get Flask's null
session (reads see an empty session; nothing is ever written).
"""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface

SESSIONLESS_PATHS = frozenset({"/oauth/token", "/oauth/introspect", "/oauth/revoke"})


class ProtocolAwareSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if request.path in SESSIONLESS_PATHS:
            return None  # Flask then uses its null session
        return super().open_session(app, request)


def register_session_interface(app) -> None:
    app.session_interface = ProtocolAwareSessionInterface()
