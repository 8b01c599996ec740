"""The protocol endpoints neither read nor set the browser session cookie."""

from __future__ import annotations

from idp.web.sessions import SESSIONLESS_PATHS


def test_token_endpoint_answers_without_opening_the_session(app, client):
    seen = []

    @app.before_request
    def _look():
        from flask import request, session

        seen.append((request.path, session.__class__.__name__))

    client.get("/login")  # a page that keeps state in the session
    assert "idp_flow" in {c.key for c in client._cookies.values()}
    answer = client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert answer.status_code in (400, 401)
    assert "Set-Cookie" not in answer.headers
    assert ("/oauth/token", "NullSession") in seen
    assert ("/login", "SecureCookieSession") in seen
    assert {"/oauth/token", "/oauth/introspect", "/oauth/revoke"} == SESSIONLESS_PATHS
