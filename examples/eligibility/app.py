"""Example downstream service: eligibility. People acting for an office ask whether a
member is covered; the service asks the claims service about open claims with its own
client-credentials token (service to service).

Run: IDP_ISSUER=... CLAIMS_URL=... ELIGIBILITY_CLIENT_ID=... ELIGIBILITY_CLIENT_SECRET=...
     flask --app examples.eligibility.app:create_app run
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from flask import Flask, jsonify

from idp.resource import ResourceServer, TokenVerifier, current_token

AUDIENCE = "https://eligibility.example/api"
CLAIMS_AUDIENCE = "https://claims.example/api"


class ServiceToken:
    """A client-credentials token for the claims API, reused until shortly before expiry."""

    def __init__(self, token_url: str, client_id: str, client_secret: str):
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def forget(self) -> None:
        with self._lock:
            self._token = None

    def get(self) -> str:
        with self._lock:
            if self._token and time.time() < self._expires - 30:
                return self._token
            body = urllib.parse.urlencode(
                {"grant_type": "client_credentials", "scope": "claims", "resource": CLAIMS_AUDIENCE}
            ).encode()
            basic = base64.b64encode(
                f"{urllib.parse.quote(self.client_id)}:"
                f"{urllib.parse.quote(self.client_secret)}".encode()
            ).decode()
            request = urllib.request.Request(  # noqa: S310 - configured idp URL
                self.token_url,
                data=body,
                method="POST",
                headers={
                    "Authorization": f"Basic {basic}",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                data = json.loads(response.read())
            self._token = data["access_token"]
            self._expires = time.time() + int(data.get("expires_in", 60))
            return self._token


def create_app(
    issuer: str | None = None,
    claims_url: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    audience: str = AUDIENCE,
    **verifier_options,
) -> Flask:
    issuer = (issuer or os.environ["IDP_ISSUER"]).rstrip("/")
    claims_url = (claims_url or os.environ["CLAIMS_URL"]).rstrip("/")
    app = Flask("eligibility")
    rs = ResourceServer(TokenVerifier(issuer, audience, **verifier_options))
    app.extensions["resource_server"] = rs
    service_token = ServiceToken(
        issuer + "/oauth/token",
        client_id or os.environ["ELIGIBILITY_CLIENT_ID"],
        client_secret or os.environ["ELIGIBILITY_CLIENT_SECRET"],
    )

    def open_claims(org_id: str) -> list[dict]:
        request = urllib.request.Request(  # noqa: S310 - configured service URL
            f"{claims_url}/orgs/{urllib.parse.quote(org_id)}/claims",
            headers={"Authorization": f"Bearer {service_token.get()}"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return json.loads(response.read())["claims"]

    @app.get("/orgs/<org_id>/eligibility/<member_id>")
    @rs.require(scope="eligibility", org_arg="org_id")
    def eligibility(org_id: str, member_id: str):
        try:
            claims = open_claims(org_id)
        except urllib.error.HTTPError as exc:
            if exc.code != 401:
                return jsonify(error="claims_unavailable", status=exc.code), 502
            # The cached service token was refused (e.g. its signing key was dropped):
            # get a new one once.
            service_token.forget()
            try:
                claims = open_claims(org_id)
            except urllib.error.HTTPError as again:
                return jsonify(error="claims_unavailable", status=again.code), 502
        return jsonify(
            org_id=org_id,
            member_id=member_id,
            eligible=True,
            checked_by=current_token()["sub"],
            open_claims=sum(1 for c in claims if c["status"] == "pending"),
        )

    return app
