"""Flask glue: a decorator that demands a valid token, scopes and the office in the URL, and
(``introspect=True``, for high-value calls) asks the idp that the token is not revoked."""

from __future__ import annotations

import functools

from flask import g, jsonify, request

from idp.resource.introspection import IntrospectionUnavailable, Introspector
from idp.resource.verifier import InvalidToken, TokenVerifier


def current_token() -> dict:
    """Claims of the verified token of this request."""
    return g.access_token_claims


def _error(status: int, error: str, description: str, scope: str | None = None):
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    challenge = f'Bearer error="{error}", error_description="{description}"'
    if scope:
        challenge += f', scope="{scope}"'
    response.headers["WWW-Authenticate"] = challenge
    return response


class ResourceServer:
    def __init__(self, verifier: TokenVerifier, introspector: Introspector | None = None):
        self.verifier = verifier
        self.introspector = introspector

    def require(
        self,
        scope: str | None = None,
        org_arg: str | None = None,
        allow_service: bool = False,
        introspect: bool = False,
    ):
        """Demand a token with ``scope``; when ``org_arg`` names a URL argument, the token's
        office must be that one. Service tokens (client credentials: no office, subject is
        the client) pass the office check only with ``allow_service``. With ``introspect``
        the idp is asked as well, so a revoked token is refused at once (401; 503 when the
        idp cannot be asked)."""
        introspector = self.introspector if introspect else None
        if introspect and introspector is None:
            raise ValueError("introspect=True needs ResourceServer(..., introspector=...)")

        def decorator(view):
            @functools.wraps(view)
            def wrapper(*args, **kwargs):
                header = request.headers.get("Authorization", "")
                if header[:7].lower() != "bearer ":
                    response = _error(401, "invalid_request", "bearer token required")
                    response.headers["WWW-Authenticate"] = "Bearer"
                    return response
                try:
                    claims = self.verifier.verify(header[7:].strip())
                except InvalidToken as exc:
                    return _error(401, "invalid_token", str(exc))
                if introspector is not None:
                    try:
                        introspector.check(header[7:].strip())
                    except InvalidToken as exc:
                        return _error(401, "invalid_token", str(exc))
                    except IntrospectionUnavailable:
                        response = jsonify(
                            error="temporarily_unavailable",
                            error_description="the token could not be checked; try again",
                        )
                        response.status_code = 503
                        return response
                if scope and scope not in str(claims.get("scope", "")).split():
                    return _error(403, "insufficient_scope", f"needs scope {scope}", scope)
                if org_arg:
                    org = claims.get("org") or {}
                    is_service = not org and claims.get("sub") == claims.get("client_id")
                    if not (is_service and allow_service) and org.get("id") != kwargs.get(org_arg):
                        return _error(
                            403, "insufficient_scope", "token is for another organization"
                        )
                g.access_token_claims = claims
                return view(*args, **kwargs)

            return wrapper

        return decorator
