"""Asking the idp whether a token is still good (RFC 7662), for calls where a revocation
must count at once.

Offline verification (:class:`~idp.resource.TokenVerifier`) proves who issued a token and
for whom, but cannot see a revocation: a revoked token verifies until it expires (minutes).
Introspection sees it -- a revoked grant, a token revoked alone, a password reset, an office
membership ended -- at the price of one request to the idp. A resource server registers as
a confidential client whose audience is its own; the idp answers it for tokens meant for
it. When the idp cannot be asked, the answer is :class:`IntrospectionUnavailable` (fail
closed: the call is refused, never let through unchecked).
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

from idp.resource.verifier import InvalidToken, json_request


class IntrospectionUnavailable(Exception):
    """The idp could not be asked (network, timeout, an answer that is not RFC 7662)."""


def _post_form(url: str, form: dict, headers: dict, timeout: float) -> dict:
    body = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    return json_request(request, timeout)


class Introspector:
    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str,
        *,
        endpoint: str | None = None,
        timeout: float = 5.0,
        post: Callable[[str, dict, dict, float], dict] = _post_form,
    ):
        self.endpoint = endpoint or f"{issuer.rstrip('/')}/oauth/introspect"
        credentials = f"{client_id}:{client_secret}".encode()
        self.headers = {
            "Authorization": "Basic " + base64.b64encode(credentials).decode(),
            "Accept": "application/json",
        }
        self.timeout = timeout
        self.post = post

    def check(self, token: str) -> dict:
        """The idp's answer for an active token; InvalidToken when it is not active (revoked,
        expired, not ours, not meant for this service); IntrospectionUnavailable when the idp
        cannot be asked."""
        form = {"token": token, "token_type_hint": "access_token"}
        try:
            answer = self.post(self.endpoint, form, self.headers, self.timeout)
        except (OSError, urllib.error.URLError, ValueError) as exc:
            raise IntrospectionUnavailable(f"introspection failed: {exc}") from None
        if not isinstance(answer, dict) or not isinstance(answer.get("active"), bool):
            raise IntrospectionUnavailable("introspection answered without 'active'")
        if not answer["active"]:
            raise InvalidToken("token is no longer active (revoked or expired)")
        return answer
